// The report dashboard's charts (Chart.js, vendored). The numbers come from
// the page's <script type="application/json" id="report-data">: the same
// published values as the table and the CSV, null where the table shows
// none (not shown, or below the company's minimum group), so a chart never
// shows what the table hides. The CSP allows only 'self' scripts, hence
// this file.
(function () {
  "use strict";

  var brand = "#1f6f78";
  var palette = ["#1f6f78", "#e07a5f", "#3d5a80", "#81b29a", "#f2cc8f", "#9c6644", "#6d597a", "#98c1d9", "#bc4749", "#52796f"];
  // Risk bands: not recorded, none, low, moderate, high.
  var riskColours = ["#c9ced6", "#81b29a", "#f2cc8f", "#e07a5f", "#b42318"];

  function canvas(id) {
    return document.getElementById(id);
  }

  function common(extra) {
    var o = {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      plugins: { legend: { position: "bottom", labels: { boxWidth: 12 } } },
    };
    for (var k in extra) o[k] = extra[k];
    return o;
  }

  function draw(id, config) {
    var el = canvas(id);
    if (!el || !window.Chart) return;
    new window.Chart(el, config);
    el.setAttribute("data-drawn", "true");
  }

  function render(d) {
    var t = d.titles || {};
    if (d.by_key && d.by_key.labels) {
      var sets = [{ label: t.employees, data: d.by_key.employees, backgroundColor: brand }];
      // Sessions by theme are not published: no second bar then.
      if (d.by_key.sessions) sets.push({ label: t.sessions, data: d.by_key.sessions, backgroundColor: "#98c1d9" });
      draw("chart-by-key", {
        type: "bar",
        data: { labels: d.by_key.labels, datasets: sets },
        options: common({ scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }),
      });
    }
    if (d.risk && d.risk.labels) {
      draw("chart-risk", {
        type: "bar",
        data: {
          labels: d.risk.labels,
          datasets: [{ label: t.employees, data: d.risk.values, backgroundColor: riskColours }],
        },
        options: common({
          plugins: { legend: { display: false } },
          scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
        }),
      });
    }
    if (d.observations && d.observations.labels) {
      draw("chart-obs", {
        type: "bar",
        data: {
          labels: d.observations.labels,
          datasets: [{ label: t.employees, data: d.observations.values, backgroundColor: "#e07a5f" }],
        },
        options: common({
          indexAxis: "y",
          plugins: { legend: { display: false } },
          scales: { x: { beginAtZero: true, ticks: { precision: 0 } } },
        }),
      });
    }
    if (d.trend && d.trend.labels) {
      draw("chart-trend", {
        type: "line",
        data: {
          labels: d.trend.labels,
          datasets: [
            { label: t.satisfaction, data: d.trend.satisfaction, borderColor: brand, backgroundColor: brand, yAxisID: "sat", spanGaps: false },
            { label: t.wellbeing, data: d.trend.wellbeing, borderColor: "#e07a5f", backgroundColor: "#e07a5f", yAxisID: "who5", spanGaps: false },
          ],
        },
        options: common({
          scales: {
            sat: { type: "linear", position: "left", min: 1, max: 5 },
            who5: { type: "linear", position: "right", min: 0, max: 100, grid: { drawOnChartArea: false } },
          },
        }),
      });
    }
    if (d.lines && d.lines.series) {
      draw("chart-lines", {
        type: "line",
        data: {
          labels: d.lines.labels,
          datasets: d.lines.series.map(function (s, i) {
            var c = palette[i % palette.length];
            return { label: s.name, data: s.values, borderColor: c, backgroundColor: c, spanGaps: false };
          }),
        },
        options: common({ scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }),
      });
    }
  }

  // Changing a breakdown shows the new report at once.
  function autoSubmit() {
    var form = document.getElementById("report-form");
    if (!form) return;
    ["report-by", "report-by2"].forEach(function (id) {
      var el = document.getElementById(id);
      if (el) el.addEventListener("change", function () { form.requestSubmit ? form.requestSubmit() : form.submit(); });
    });
  }

  function start() {
    autoSubmit();
    var el = document.getElementById("report-data");
    if (!el) return;
    try {
      render(JSON.parse(el.textContent));
    } catch (e) {
      // A chart that cannot be drawn leaves the table, which has every number.
      if (window.console) console.error("report charts:", e);
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
