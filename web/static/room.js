// The video room: one RTCPeerConnection between the booking's two parties,
// signalled over the page's WebSocket. The counsellor's browser makes the
// offers; the employee's answers. Nothing is recorded or stored.
(function () {
  "use strict";
  var root = document.getElementById("room");
  if (!root) { return; }
  var d = root.dataset;
  var params = new URLSearchParams(location.search);
  var offerer = d.party === "counselor";
  var iceServers = [];
  try { iceServers = JSON.parse(d.ice || "[]"); } catch (e) { iceServers = []; }
  var config = { iceServers: iceServers };
  if (params.get("ice") === "relay") { config.iceTransportPolicy = "relay"; }

  var el = function (id) { return document.getElementById(id); };
  var statusEl = el("room-status"), qualityEl = el("room-quality"), leftEl = el("room-time-left");
  var remoteVideo = el("remote-video"), localVideo = el("local-video");
  var muteBtn = el("mute-button"), camBtn = el("camera-button");
  var camSel = el("camera-select"), micSel = el("mic-select");

  // room is what tests (and a curious person) can look at.
  var room = window.taiwaRoom = { pc: null, ws: null, local: null, peerPresent: false, joinedAt: 0, firstFrameAt: 0, closed: false };
  var backoff = 500, pendingCandidates = [], statsTimer = 0, restartTimer = 0;

  function say(key) { statusEl.textContent = d["t" + key.charAt(0).toUpperCase() + key.slice(1)] || ""; }

  function send(msg) {
    if (room.ws && room.ws.readyState === WebSocket.OPEN) { room.ws.send(JSON.stringify(msg)); }
  }

  // Media: the chosen camera and microphone, or the default ones.
  function getMedia() {
    var c = { video: camSel.value ? { deviceId: { exact: camSel.value } } : true,
              audio: micSel.value ? { deviceId: { exact: micSel.value } } : true };
    return navigator.mediaDevices.getUserMedia(c);
  }

  function fillDevices() {
    return navigator.mediaDevices.enumerateDevices().then(function (list) {
      [[camSel, "videoinput"], [micSel, "audioinput"]].forEach(function (p) {
        var sel = p[0], kept = sel.value;
        sel.textContent = "";
        var def = document.createElement("option");
        def.value = ""; def.textContent = d.tDefaultDevice;
        sel.appendChild(def);
        list.filter(function (x) { return x.kind === p[1]; }).forEach(function (x, i) {
          var o = document.createElement("option");
          o.value = x.deviceId; o.textContent = x.label || (p[1] + " " + (i + 1));
          sel.appendChild(o);
        });
        sel.value = kept;
      });
    });
  }

  function useStream(stream) {
    var old = room.local;
    room.local = stream;
    localVideo.srcObject = stream;
    applyToggles();
    if (room.pc) {
      room.pc.getSenders().forEach(function (s) {
        var t = s.track && stream.getTracks().find(function (n) { return n.kind === s.track.kind; });
        if (t) { s.replaceTrack(t); }
      });
    }
    if (old && old !== stream) { old.getTracks().forEach(function (t) { t.stop(); }); }
  }

  var micOn = true, camOn = true;
  function applyToggles() {
    if (!room.local) { return; }
    room.local.getAudioTracks().forEach(function (t) { t.enabled = micOn; });
    room.local.getVideoTracks().forEach(function (t) { t.enabled = camOn; });
    muteBtn.textContent = micOn ? d.tMute : d.tUnmute;
    muteBtn.setAttribute("aria-pressed", String(!micOn));
    camBtn.textContent = camOn ? d.tCameraOff : d.tCameraOn;
    camBtn.setAttribute("aria-pressed", String(!camOn));
  }
  muteBtn.addEventListener("click", function () { micOn = !micOn; applyToggles(); });
  camBtn.addEventListener("click", function () { camOn = !camOn; applyToggles(); });
  [camSel, micSel].forEach(function (sel) {
    sel.addEventListener("change", function () {
      getMedia().then(useStream).catch(function () { say("mediaError"); });
    });
  });

  // The peer connection: made afresh whenever the other person (re)joins.
  function newPeer() {
    closePeer();
    var pc = room.pc = new RTCPeerConnection(config);
    pendingCandidates = [];
    if (room.local) { room.local.getTracks().forEach(function (t) { pc.addTrack(t, room.local); }); }
    pc.onicecandidate = function (e) { if (e.candidate) { send({ type: "candidate", candidate: e.candidate }); } };
    pc.ontrack = function (e) {
      if (remoteVideo.srcObject !== e.streams[0]) { remoteVideo.srcObject = e.streams[0]; }
    };
    pc.onconnectionstatechange = function () {
      if (pc !== room.pc) { return; }
      if (pc.connectionState === "connected") { say("connected"); clearTimeout(restartTimer); }
      if (pc.connectionState === "disconnected" || pc.connectionState === "failed") {
        say("reconnecting");
        scheduleRestart(pc.connectionState === "failed" ? 0 : 3000);
      }
    };
    remoteVideo.addEventListener("loadeddata", function () {
      if (!room.firstFrameAt) { room.firstFrameAt = performance.now(); }
    }, { once: true });
    return pc;
  }

  function closePeer() {
    if (room.pc) { room.pc.close(); room.pc = null; }
    remoteVideo.srcObject = null;
  }

  // An ICE restart, made by the offerer; the answerer asks for one.
  function scheduleRestart(delay) {
    clearTimeout(restartTimer);
    restartTimer = setTimeout(function () {
      if (!room.pc || !room.peerPresent || room.pc.connectionState === "connected") { return; }
      if (offerer) { makeOffer(true); } else { send({ type: "bye", restart: true }); }
    }, delay);
  }

  function makeOffer(restart) {
    var pc = room.pc;
    if (!pc) { return; }
    pc.createOffer(restart ? { iceRestart: true } : {}).then(function (o) {
      return pc.setLocalDescription(o);
    }).then(function () {
      send({ type: "offer", sdp: pc.localDescription.sdp });
    }).catch(function () {});
  }

  function flushCandidates(pc) {
    pendingCandidates.splice(0).forEach(function (c) { pc.addIceCandidate(c).catch(function () {}); });
  }

  function onSignal(m) {
    switch (m.type) {
    case "welcome":
      backoff = 500;
      room.peerPresent = m.peer;
      if (m.peer) { say("joined"); newPeer(); if (offerer) { makeOffer(false); } } else { say("waiting"); }
      break;
    case "peer-joined":
      room.peerPresent = true;
      say("joined");
      newPeer();
      if (offerer) { makeOffer(false); }
      break;
    case "peer-left":
      room.peerPresent = false;
      closePeer();
      say("left");
      break;
    case "offer":
      if (offerer) { return; }
      var pc = room.pc || newPeer();
      pc.setRemoteDescription({ type: "offer", sdp: m.sdp }).then(function () {
        flushCandidates(pc);
        return pc.createAnswer();
      }).then(function (a) { return pc.setLocalDescription(a); }).then(function () {
        send({ type: "answer", sdp: pc.localDescription.sdp });
      }).catch(function () {});
      break;
    case "answer":
      if (!offerer || !room.pc) { return; }
      var p2 = room.pc;
      p2.setRemoteDescription({ type: "answer", sdp: m.sdp }).then(function () { flushCandidates(p2); }).catch(function () {});
      break;
    case "candidate":
      if (!room.pc) { return; }
      if (room.pc.remoteDescription) { room.pc.addIceCandidate(m.candidate).catch(function () {}); } else { pendingCandidates.push(m.candidate); }
      break;
    case "bye":
      if (offerer && m.restart) { makeOffer(true); }
      break;
    }
  }

  // The signalling socket, reopened with backoff until the room closes.
  function connect() {
    if (room.closed) { return; }
    var ws = room.ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + d.ws);
    ws.onmessage = function (e) { try { onSignal(JSON.parse(e.data)); } catch (err) { /* ignore */ } };
    ws.onclose = function (e) {
      if (ws !== room.ws) { return; }
      if (e.code === 1000 || e.code === 1008 || Date.now() > Date.parse(d.closes)) {
        if (e.code !== 1008) { room.closed = true; say("closed"); closePeer(); }
        return;
      }
      say("reconnecting");
      setTimeout(connect, backoff);
      backoff = Math.min(backoff * 2, 10000);
    };
  }

  // Quality from getStats: round trip and the share of lost packets.
  function watchStats() {
    statsTimer = setInterval(function () {
      var pc = room.pc;
      if (!pc || pc.connectionState !== "connected") { qualityEl.dataset.level = "none"; qualityEl.textContent = ""; return; }
      pc.getStats().then(function (report) {
        var rtt = 0, lost = 0, got = 0;
        report.forEach(function (s) {
          if (s.type === "candidate-pair" && s.nominated && s.currentRoundTripTime) { rtt = s.currentRoundTripTime; }
          if (s.type === "inbound-rtp") { lost += s.packetsLost || 0; got += s.packetsReceived || 0; }
        });
        var loss = got + lost > 0 ? lost / (got + lost) : 0;
        var level = rtt > 0.6 || loss > 0.08 ? "poor" : (rtt > 0.3 || loss > 0.02 ? "fair" : "good");
        qualityEl.dataset.level = level;
        qualityEl.textContent = d["t" + level.charAt(0).toUpperCase() + level.slice(1)];
      });
    }, 2000);
  }

  function tick() {
    var ms = Date.parse(d.end) - Date.now();
    leftEl.textContent = ms > 0 ? d.tLeftMin.replace("{m}", String(Math.ceil(ms / 60000))) : d.tOver;
  }

  room.joinedAt = performance.now();
  tick();
  setInterval(tick, 15000);
  getMedia().then(function (stream) {
    useStream(stream);
    return fillDevices();
  }).catch(function () { say("mediaError"); }).then(function () {
    connect();
    watchStats();
  });
  window.addEventListener("pagehide", function () { room.closed = true; if (room.ws) { room.ws.close(1000); } closePeer(); clearInterval(statsTimer); });
})();
