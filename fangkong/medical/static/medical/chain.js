// The chain of transmission of a case (case -> contacts -> their contacts), drawn with ECharts
// from the JSON the page embeds (json_script: no inline script under the strict CSP).
(function () {
  "use strict";
  var box = document.getElementById("fk-chain");
  var source = document.getElementById("fk-chain-data");
  if (!box || !source || typeof echarts === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var width = box.clientWidth || 360;
  box.style.height = (width < 500 ? 360 : 460) + "px";
  var colours = ["#dc3545", "#198754", "#fd7e14"];
  var chart = echarts.init(box, null, { renderer: "svg" });
  chart.setOption({
    color: colours,
    tooltip: { formatter: function (p) { return p.data.name + (p.data.status ? " · " + p.data.status : ""); } },
    legend: [{ data: data.categories.map(function (c) { return c.name; }), bottom: 0 }],
    series: [{
      type: "graph",
      layout: "force",
      roam: true,
      draggable: true,
      force: { repulsion: 220, edgeLength: 90 },
      categories: data.categories,
      symbolSize: 34,
      label: { show: true, position: "bottom" },
      edgeSymbol: ["none", "arrow"],
      edgeLabel: { show: true, formatter: function (p) { return p.data.label || ""; }, fontSize: 10 },
      data: data.nodes.map(function (n) {
        return { id: n.id, name: n.name, category: n.category, status: n.status, url: n.url,
                 symbolSize: n.category === 0 ? 46 : 32 };
      }),
      links: data.links
    }]
  });
  chart.on("click", function (p) { if (p.data && p.data.url) { window.location.href = p.data.url; } });
  window.addEventListener("resize", function () { chart.resize(); });
}());
