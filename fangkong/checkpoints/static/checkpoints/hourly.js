// Hourly counts of a checkpoint's day as an ECharts bar chart; data from a JSON block
// (json_script), drawn only where ECharts is loaded. Strict CSP: no inline code.
(function () {
  "use strict";
  function draw() {
    var el = document.getElementById("fk-hourly-chart");
    var data = document.getElementById("fk-hourly-data");
    if (!el || !data || !window.echarts) return;
    var rows = JSON.parse(data.textContent);
    var chart = window.echarts.init(el, null, { renderer: "canvas" });
    chart.setOption({
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 32, right: 8, top: 28, bottom: 24 },
      xAxis: { type: "category", data: rows.hours },
      yAxis: { type: "value", minInterval: 1 },
      series: [
        { name: rows.labels["in"], type: "bar", stack: "n", data: rows["in"] },
        { name: rows.labels.out, type: "bar", stack: "n", data: rows.out },
        { name: rows.labels.fever, type: "line", data: rows.fever, itemStyle: { color: "#dc3545" } }
      ]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
