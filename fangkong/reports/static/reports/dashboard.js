// The dashboard's trend charts (ECharts), from issued daily reports; refreshed on a timer.
(function () {
  "use strict";
  var box = document.getElementById("fk-trends");
  if (!box || !window.echarts) { return; }
  var charts = {};
  function draw(data) {
    (data.charts || []).forEach(function (chart) {
      var el = box.querySelector('[data-chart="' + chart.key + '"]');
      if (!el) { return; }
      if (!chart.series.length) {
        // Nothing issued for this chart (its module is not built): say so in one line.
        if (charts[chart.key]) { charts[chart.key].dispose(); delete charts[chart.key]; }
        el.classList.add("fk-chart-empty");
        el.textContent = chart.title + " — " + (chart.empty || "");
        return;
      }
      el.classList.remove("fk-chart-empty");
      var instance = charts[chart.key] || (charts[chart.key] = window.echarts.init(el));
      var option = {
        title: { text: chart.title, left: 0, textStyle: { fontSize: 14 } },
        tooltip: { trigger: "axis" },
        legend: { top: 24, type: "scroll" },
        grid: { left: 8, right: 12, top: 64, bottom: 8, containLabel: true },
        xAxis: { type: "category", data: data.days.map(function (d) { return d.slice(5); }) },
        yAxis: { type: "value", minInterval: 1 },
        series: chart.series.map(function (s) {
          return { name: s.name, type: "line", smooth: true, showSymbol: false, connectNulls: false, data: s.data };
        })
      };
      instance.setOption(option, true);
    });
  }
  function load() {
    fetch(box.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data) { draw(data); } })
      .catch(function () { /* the next refresh tries again */ });
  }
  load();
  var seconds = parseInt(box.dataset.refresh, 10) || 60;
  window.setInterval(load, seconds * 1000);
  window.addEventListener("resize", function () {
    Object.keys(charts).forEach(function (k) { charts[k].resize(); });
  });
})();
