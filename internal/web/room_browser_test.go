package web_test

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/taiwa/taiwa/internal/apptest"
	"github.com/taiwa/taiwa/internal/platform/config"
)

// mediaFlags give Chromium a fake camera and microphone and grant them
// without asking, and let the remote video play without a click.
var mediaFlags = []chromedp.ExecAllocatorOption{
	chromedp.Flag("use-fake-ui-for-media-stream", true),
	chromedp.Flag("use-fake-device-for-media-stream", true),
	chromedp.Flag("autoplay-policy", "no-user-gesture-required"),
}

// roomStats is what one browser's RTCPeerConnection reports.
type roomStats struct {
	Frames      int     `json:"frames"`     // inbound video framesDecoded
	Local       string  `json:"local"`      // candidateType of the selected pair's local end
	Remote      string  `json:"remote"`     // and of its remote end
	FirstFrame  float64 `json:"firstFrame"` // ms from opening the page to the first remote frame (0: none yet)
	Connected   bool    `json:"connected"`
	RemoteVideo bool    `json:"remoteVideo"` // the <video> shows the other person
}

const roomStatsJS = `(async () => {
  const room = window.taiwaRoom, out = {frames: 0, local: "", remote: "", firstFrame: 0, connected: false, remoteVideo: false};
  if (!room || !room.pc) return out;
  out.connected = room.pc.connectionState === "connected";
  out.remoteVideo = !!document.getElementById("remote-video").srcObject;
  if (room.firstFrameAt) out.firstFrame = room.firstFrameAt - room.joinedAt;
  const r = await room.pc.getStats();
  r.forEach(s => {
    if (s.type === "inbound-rtp" && s.kind === "video") out.frames += s.framesDecoded || 0;
    if (s.type === "transport" && s.selectedCandidatePairId) {
      const p = r.get(s.selectedCandidatePairId);
      if (p) {
        const l = r.get(p.localCandidateId), m = r.get(p.remoteCandidateId);
        out.local = l ? l.candidateType : ""; out.remote = m ? m.candidateType : "";
      }
    }
  });
  return out;
})()`

func readRoomStats(ctx context.Context) (roomStats, error) {
	return chromedp.Run(ctx, chromedp.Evaluate[roomStats](roomStatsJS, chromedp.EvalAwaitPromise))
}

// waitFrames polls both browsers until each has decoded video from the
// other (and, with relay, talks through a relay candidate), or fails when
// the context ends.
func waitFrames(t testing.TB, ctxs [2]context.Context, relay bool) [2]roomStats {
	t.Helper()
	var last [2]roomStats
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		done := true
		for i, ctx := range ctxs {
			st, err := readRoomStats(ctx)
			if err != nil {
				t.Fatalf("browser %d: stats: %v (last %+v)", i, err, last)
			}
			last[i] = st
			if st.Frames == 0 || (relay && st.Local != "relay") {
				done = false
			}
		}
		if done {
			return last
		}
		select {
		case <-ctxs[0].Done():
			t.Fatalf("no video both ways before the deadline: %+v", last)
		case <-tick.C:
		}
	}
}

// roomCall is a harness with the embedded TURN server on loopback and a
// video session in progress, its employee and counsellor each signed in
// in their own Chromium (own user-data-dir).
type roomCall struct {
	h    *apptest.Harness
	path string
	ctxs [2]context.Context // employee, counsellor
}

func newRoomCall(tt *testing.T) roomCall {
	t := tt
	t.Helper()
	emp := newChrome(tt, mediaFlags...)
	cn := newChrome(tt, mediaFlags...)
	h := apptest.New(tt, apptest.Options{Configure: func(c *config.Config) {
		c.TurnAddr, c.TurnRelayIP = "127.0.0.1:0", "127.0.0.1"
	}})
	w := newBookingWorld(tt, h, allDay())
	b := w.book(tt, empEmail, 0)
	moveSession(tt, h, b.ID, time.Now().Add(-time.Minute))
	if err := chromedp.Do(emp, browserLogin(h, empEmail, empPass), chromedp.WaitVisible(chromedp.CSS(`.hero`))); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(cn, browserLogin(h, cEmail, counselorPass), chromedp.WaitVisible(chromedp.CSS(`#counselor-status`))); err != nil {
		t.Fatal(err)
	}
	return roomCall{h: h, path: "/meet/" + b.ID.String(), ctxs: [2]context.Context{emp, cn}}
}

func (rc roomCall) join(t testing.TB, query string) {
	t.Helper()
	for _, ctx := range rc.ctxs {
		if err := chromedp.Do(ctx, chromedp.Navigate(rc.h.URL+rc.path+query), chromedp.WaitVisible(chromedp.CSS(`#room`))); err != nil {
			t.Fatal(err)
		}
	}
}

// TestBrowserTwoPeopleMeetInTheRoomDirectAndThroughTurn: the employee and
// the counsellor, each in their own headless Chromium with a fake camera,
// join one room; both decode the other's video. Then both rejoin with the
// relay-only ICE policy: video flows again, through the embedded TURN
// server (the selected candidate pair is a relay).
func TestBrowserTwoPeopleMeetInTheRoomDirectAndThroughTurn(t *testing.T) {
	t.Parallel()
	rc := newRoomCall(t)
	rc.join(t, "")
	st := waitFrames(t, rc.ctxs, false)
	t.Logf("direct: employee %+v, counsellor %+v", st[0], st[1])
	if !st[0].RemoteVideo || !st[1].RemoteVideo {
		t.Fatalf("remote video not shown: %+v", st)
	}
	if s := text(t, rc.ctxs[0], `#room-private`); s == "" {
		t.Fatal("the page does not say that nothing is recorded")
	}
	screenshot(t, rc.ctxs[0], "room-employee.png")

	rc.join(t, "?ice=relay")
	st = waitFrames(t, rc.ctxs, true)
	t.Logf("relay: employee %+v, counsellor %+v", st[0], st[1])
	for i, s := range st {
		if s.Local != "relay" {
			t.Fatalf("browser %d: selected local candidate %q, want relay", i, s.Local)
		}
	}
}
