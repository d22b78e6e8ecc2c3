// Taiwa — keeps the home's countdown to the next session current while the
// page stays open. The server renders the same words; this only refreshes
// them each half minute, with the same rule (internal/web/home.go: whole
// minutes, the largest two units).
(function () {
  "use strict";
  function words(el, ms) {
    if (ms <= 0) return el.dataset.started;
    var m = Math.floor(ms / 60000);
    var d = Math.floor(m / 1440), h = Math.floor(m / 60) % 24, mm = m % 60;
    var t = d > 0 ? el.dataset.days : h > 0 ? el.dataset.hours : el.dataset.minutes;
    return t.replace("{d}", d).replace("{h}", h).replace("{m}", mm);
  }
  document.addEventListener("DOMContentLoaded", function () {
    var el = document.getElementById("next-countdown");
    var time = el && el.querySelector("time");
    if (!time) return;
    var start = Date.parse(time.getAttribute("datetime"));
    if (isNaN(start)) return;
    setInterval(function () { time.textContent = words(el, start - Date.now()); }, 30000);
  });
})();
