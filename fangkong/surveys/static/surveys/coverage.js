/* Carpet-survey pages (CSP-strict: no inline script). The coverage map (an ECharts treemap of
   town > village > grid, coloured red -> amber -> green by the share of households seen),
   refreshed every data-refresh seconds from the kept coverage; progress-bar widths; the blanks
   list searched as you type; the visit form's "seen / not reachable" switch. */
(function () {
  "use strict";
  var COLOURS = { red: "#dc3545", amber: "#fd9a14", green: "#198754" };

  function widths(root) {
    (root || document).querySelectorAll("[data-fk-width]").forEach(function (el) {
      el.style.width = Math.max(0, Math.min(100, parseFloat(el.dataset.fkWidth) || 0)) + "%";
    });
  }

  function toSeries(node) {
    var item = {
      name: node.name,
      value: Math.max(node.households, 1),
      id: node.id,
      code: node.code,
      level: node.level,
      seen: node.seen,
      households: node.households,
      percent: node.percent,
      colour: node.colour,
      itemStyle: { color: COLOURS[node.colour] || "#6c757d" }
    };
    if (node.children && node.children.length) {
      item.children = node.children.map(toSeries);
    }
    return item;
  }

  // The grids furthest behind, rebuilt from the fresh tree (lowest share seen, most blanks).
  function lagging(tree) {
    var list = document.getElementById("fk-lagging");
    if (!list) { return; }
    var grids = [];
    (function walk(n) {
      if (n.level === 5) { grids.push(n); }
      (n.children || []).forEach(walk);
    })(tree);
    grids.sort(function (a, b) {
      return a.percent - b.percent || (b.households - b.seen) - (a.households - a.seen);
    });
    list.textContent = "";
    grids.slice(0, 10).forEach(function (g) {
      var li = document.createElement("li");
      li.className = "list-group-item d-flex gap-2 align-items-center";
      var dot = document.createElement("span");
      dot.className = "fk-dot fk-cov-" + g.colour;
      var name = document.createElement("span");
      name.textContent = g.name;
      var figure = document.createElement("span");
      figure.className = "ms-auto small";
      figure.textContent = (list.dataset.labelBlanks || "") + " " +
        Math.max(g.households - g.seen, 0) + " · " + g.percent + "%";
      li.append(dot, name, figure);
      list.appendChild(li);
    });
  }

  function coverageMap(el) {
    if (!window.echarts) { return; }
    var chart = window.echarts.init(el, null, { renderer: "canvas" });
    var seenLabel = el.dataset.labelSeen || "seen";
    var hhLabel = el.dataset.labelHouseholds || "households";
    function draw(tree) {
      if (!tree) { return; }
      el.dataset.percent = tree.percent;
      chart.setOption({
        animation: false,
        tooltip: {
          formatter: function (p) {
            var d = p.data || {};
            return (d.name || "") + "<br>" + seenLabel + " " + d.seen + " / " + d.households +
              " " + hhLabel + " (" + d.percent + "%)";
          }
        },
        series: [{
          type: "treemap",
          roam: false,
          nodeClick: false,
          leafDepth: 2,
          breadcrumb: { show: false },
          top: 4, left: 4, right: 4, bottom: 4,
          label: {
            show: true,
            formatter: function (p) { return p.data.name + "\n" + p.data.percent + "%"; },
            fontSize: 11
          },
          upperLabel: { show: true, height: 18, color: "#fff" },
          levels: [
            { itemStyle: { borderWidth: 2, gapWidth: 2, borderColor: "#fff" } },
            { itemStyle: { borderWidth: 1, gapWidth: 1, borderColor: "#eee" } }
          ],
          data: (tree.children && tree.children.length ? tree.children : [tree]).map(toSeries)
        }]
      }, true);
      var figures = { "fk-coverage-percent": tree.percent + "%", "fk-cov-seen": tree.seen,
        "fk-cov-total": tree.households, "fk-cov-unreachable": tree.unreachable,
        "fk-cov-risks": tree.risks };
      Object.keys(figures).forEach(function (id) {
        var el = document.getElementById(id);
        if (el) { el.textContent = figures[id]; }
      });
      var bar = document.getElementById("fk-cov-bar");
      if (bar) {
        bar.className = "progress-bar fk-cov-" + tree.colour;
        bar.dataset.fkWidth = tree.percent;
        widths(bar.parentNode);
      }
      lagging(tree);
      // The list beside the map: recolour and recount each child in place.
      (tree.children || []).forEach(function (child) {
        var row = document.querySelector('[data-fk-area="' + child.code + '"]');
        if (!row) { return; }
        var dot = row.querySelector(".fk-dot");
        if (dot) { dot.className = "fk-dot fk-cov-" + child.colour; }
        var figure = row.querySelector(".ms-auto");
        if (figure) { figure.textContent = child.seen + "/" + child.households + " · " + child.percent + "%"; }
      });
    }
    function load() {
      fetch(el.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) { if (data) { draw(data.tree); } })
        .catch(function () { /* weak network: keep the last map, try again later */ });
    }
    chart.on("click", function (p) {
      if (p.data && p.data.level && p.data.level < 5 && el.dataset.detail) {
        window.location.href = el.dataset.detail + "?area=" + p.data.id;
      }
    });
    window.addEventListener("resize", function () { chart.resize(); });
    load();
    var every = parseInt(el.dataset.refresh, 10) || 60;
    window.setInterval(load, every * 1000);
  }

  function blanksSearch(input) {
    var target = document.getElementById("fk-results");
    var timer = null;
    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        var url = new URL(input.dataset.url, window.location.href);
        url.searchParams.set("q", input.value);
        url.searchParams.set("partial", "1");
        fetch(url.toString(), { credentials: "same-origin" })
          .then(function (r) { return r.ok ? r.text() : null; })
          .then(function (html) { if (html !== null && target) { target.innerHTML = html; } })
          .catch(function () {});
      }, 250);
    });
  }

  function visitForm(form) {
    function sync() {
      var chosen = form.querySelector('input[name="outcome"]:checked');
      var value = chosen ? chosen.value : "";
      form.querySelectorAll("[data-fk-when]").forEach(function (block) {
        block.hidden = block.dataset.fkWhen !== value;
      });
    }
    form.querySelectorAll('input[name="outcome"]').forEach(function (radio) {
      radio.addEventListener("change", sync);
    });
    // A person's questions open when they are ticked as seen.
    form.querySelectorAll("[data-fk-seen]").forEach(function (box) {
      var panel = document.getElementById(box.dataset.fkSeen);
      function toggle() { if (panel) { panel.hidden = !box.checked; } }
      box.addEventListener("change", toggle);
      toggle();
    });
    // One submission: a double tap sends nothing twice (the client id would store once anyway).
    form.addEventListener("submit", function () {
      var button = form.querySelector("button[type=submit]");
      if (button) { window.setTimeout(function () { button.disabled = true; }, 0); }
    });
    sync();
  }

  document.addEventListener("DOMContentLoaded", function () {
    widths();
    var map = document.getElementById("fk-coverage-map");
    if (map) { coverageMap(map); }
    var search = document.getElementById("fk-blanks-q");
    if (search) { blanksSearch(search); }
    var form = document.getElementById("fk-visit-form");
    if (form) { visitForm(form); }
  });
})();
