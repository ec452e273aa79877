/* cnbudget charts: turn the server's chart blocks (<script type="application/json"
   id="chart-data">) into ECharts options. ECharts is vendored (/static/vendor/echarts.min.js);
   nothing is loaded from outside. Figures arrive in 万元; they are floats here only to draw. */
(function () {
  "use strict";

  var FONT = '"Noto Sans CJK SC","Source Han Sans SC","PingFang SC","Microsoft YaHei",sans-serif';
  var PALETTE = ["#1d3557", "#a4161a", "#457b9d", "#c9a227", "#2a9d8f", "#6d597a",
    "#e07a5f", "#8d99ae", "#3d5a80", "#b5838d", "#5c7f67", "#9c6644"];
  var NAVY = "#1d3557", RED = "#a4161a", GREY = "#9aa5b1";

  function fmt(v) {
    var n = Number(v || 0);
    return n.toLocaleString("zh-CN", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  }
  function compact(v) {
    var n = Number(v || 0), a = Math.abs(n);
    if (a >= 10000) return (n / 10000).toFixed(a >= 100000 ? 0 : 1) + "亿";
    return n.toLocaleString("zh-CN", { maximumFractionDigits: 0 });
  }
  function narrow() { return window.innerWidth < 700; }
  function labelWidth() { return narrow() ? 96 : 180; }

  function base(b) {
    return {
      color: PALETTE,
      textStyle: { fontFamily: FONT },
      animationDuration: 500,
      tooltip: { confine: true, textStyle: { fontFamily: FONT } },
      aria: { enabled: true }
    };
  }
  function merge(a, b) { for (var k in b) { if (Object.prototype.hasOwnProperty.call(b, k)) a[k] = b[k]; } return a; }

  // Sunburst rings: names without codes (the tooltip has both), and the "others" bucket's
  // members as plain leaves so that no branch is deeper than 类 → 款 → 项.
  function sunData(nodes, depth) {
    return nodes.map(function (n) {
      var out = { name: n.name.replace(/^\d+ /, ""), full: n.name, value: n.value };
      if (n.children && depth < 3) {
        out.children = n.others
          ? n.children.map(function (c) { return { name: c.name.replace(/^\d+ /, ""), full: c.name, value: c.value }; })
          : sunData(n.children, depth + 1);
      }
      return out;
    });
  }

  function tree(b, mode) {
    var L = b.labels;
    var tip = {
      formatter: function (p) {
        var path = (p.treePathInfo || []).slice(1).map(function (x) { return x.name; }).join(" › ");
        var v = p.value;
        return (path || p.name) + "<br>" + fmt(v) + " " + L.unit;
      }
    };
    if (mode === "sunburst") {
      var ring = narrow() ? 46 : 110;
      return merge(base(b), {
        tooltip: { confine: true, formatter: function (p) {
          return (p.data.full || p.name) + "<br>" + fmt(p.value) + " " + L.unit; } },
        series: [{
          type: "sunburst", data: sunData(b.data, 1), nodeClick: "rootToNode", sort: null,
          center: ["50%", "50%"], emphasis: { focus: "ancestor" },
          itemStyle: { borderColor: "#fff", borderWidth: 1 },
          label: { minAngle: 12, fontSize: 11, overflow: "truncate", width: ring },
          levels: [
            {},
            { r0: "10%", r: "38%", label: { rotate: "tangential", fontSize: 12, width: ring } },
            { r0: "38%", r: "66%", label: { rotate: "radial" } },
            { r0: "66%", r: "92%", label: { rotate: "radial", fontSize: 10 } }
          ]
        }]
      });
    }
    return merge(base(b), {
      tooltip: merge(tip, { confine: true }),
      series: [{
        type: "treemap", name: L.all, data: b.data, leafDepth: 1, roam: false, nodeClick: "zoomToNode",
        left: 2, right: 2, top: 4, bottom: 36,
        breadcrumb: { show: true, bottom: 4, itemStyle: { color: NAVY, textStyle: { color: "#fff" } } },
        label: {
          show: true, fontSize: 12, overflow: "break",
          formatter: function (p) { return p.name + "\n" + fmt(p.value); }
        },
        upperLabel: { show: true, height: 22, color: "#fff" },
        itemStyle: { borderColor: "#fff", gapWidth: 2 },
        levels: [
          { itemStyle: { borderWidth: 0, gapWidth: 3 } },
          { itemStyle: { gapWidth: 2 }, colorSaturation: [0.35, 0.55] },
          { colorSaturation: [0.3, 0.5], itemStyle: { gapWidth: 1, borderColorSaturation: 0.6 } }
        ]
      }]
    });
  }

  function pie(b) {
    return merge(base(b), {
      tooltip: { trigger: "item", confine: true,
        formatter: function (p) { return p.name + "<br>" + fmt(p.value) + " " + b.labels.unit + "（" + p.percent + "%）"; } },
      legend: { type: "scroll", bottom: 0, textStyle: { fontSize: 12 } },
      series: [{
        type: "pie", radius: narrow() ? ["34%", "60%"] : ["38%", "66%"], center: ["50%", "45%"],
        data: b.data, avoidLabelOverlap: true, itemStyle: { borderColor: "#fff", borderWidth: 2 },
        label: { formatter: "{b}\n{d}%", fontSize: 11.5 }
      }]
    });
  }

  function stack(b) {
    var d = b.data, L = b.labels;
    return merge(base(b), {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, confine: true,
        valueFormatter: function (v) { return fmt(v) + " " + L.unit; } },
      legend: { data: [L.basic, L.project], top: 0 },
      grid: { left: labelWidth() + 14, right: 24, top: 32, bottom: 28 },
      xAxis: { type: "value", axisLabel: { formatter: compact } },
      yAxis: { type: "category", data: d.categories, inverse: true,
        axisLabel: { width: labelWidth(), overflow: "truncate", fontSize: 11.5 } },
      series: [
        { name: L.basic, type: "bar", stack: "x", data: d.basic, itemStyle: { color: NAVY }, barMaxWidth: 26 },
        { name: L.project, type: "bar", stack: "x", data: d.project, itemStyle: { color: RED }, barMaxWidth: 26 }
      ]
    });
  }

  function mix(hex, t) {  // hex colour mixed with white by t (0 … 1)
    var n = parseInt(hex.slice(1), 16), r = n >> 16, g = (n >> 8) & 255, b = n & 255;
    var m = function (c) { return Math.round(c + (255 - c) * t); };
    return "rgb(" + m(r) + "," + m(g) + "," + m(b) + ")";
  }
  function shaded(items) {  // each 款 in a lighter shade of its 类's colour
    var seen = {};
    return items.map(function (x) {
      var k = seen[x.cls] = (seen[x.cls] || 0) + 1;
      return { name: x.name, value: x.value,
        itemStyle: { color: mix(PALETTE[x.cls % PALETTE.length], 0.12 + 0.16 * (k % 4)) } };
    });
  }

  function rings(b) {
    var d = b.data;
    return merge(base(b), {
      legend: { bottom: 0, data: d.inner.map(function (x) { return x.name; }), textStyle: { fontSize: 12 } },
      tooltip: { trigger: "item", confine: true,
        formatter: function (p) { return p.name + "<br>" + fmt(p.value) + " " + b.labels.unit + "（" + p.percent + "%）"; } },
      series: [
        { type: "pie", radius: [0, "36%"], center: ["50%", "46%"], data: d.inner, label: { show: false },
          itemStyle: { borderColor: "#fff", borderWidth: 2 } },
        { type: "pie", radius: narrow() ? ["44%", "60%"] : ["46%", "66%"], center: ["50%", "46%"], data: shaded(d.outer),
          minShowLabelAngle: 6,
          label: { show: !narrow(), fontSize: 11, formatter: "{b}", overflow: "truncate", width: 120 },
          labelLine: { show: !narrow() },
          itemStyle: { borderColor: "#fff", borderWidth: 1 } }
      ]
    });
  }

  function bars(b) {
    var d = b.data, L = b.labels, series = [];
    if (d.previous) series.push({ name: L.last_year, type: "bar", data: d.previous, itemStyle: { color: GREY }, barMaxWidth: 22 });
    series.push({ name: L.this_year, type: "bar", data: d.current, itemStyle: { color: NAVY }, barMaxWidth: 22,
      label: { show: !d.previous, position: "right", formatter: function (p) { return fmt(p.value); }, fontSize: 11 } });
    return merge(base(b), {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, confine: true,
        valueFormatter: function (v) { return v === null || v === undefined ? "—" : fmt(v) + " " + L.unit; } },
      legend: { top: 0 },
      grid: { left: labelWidth() + 14, right: d.previous ? 24 : 70, top: 30, bottom: 28 },
      xAxis: { type: "value", axisLabel: { formatter: compact } },
      yAxis: { type: "category", data: d.categories, inverse: true,
        axisLabel: { width: labelWidth(), overflow: "truncate", fontSize: 11.5 } },
      series: series
    });
  }

  function series(b) {
    var d = b.data, L = b.labels;
    return merge(base(b), {
      tooltip: { trigger: "axis", confine: true, valueFormatter: function (v) { return fmt(v) + " " + L.unit; } },
      legend: { top: 0 },
      grid: { left: 56, right: 16, top: 34, bottom: 28 },
      xAxis: { type: "category", data: d.years },
      yAxis: { type: "value", axisLabel: { formatter: compact } },
      series: [
        { name: L.basic, type: "bar", stack: "x", data: d.basic, itemStyle: { color: NAVY }, barMaxWidth: 36 },
        { name: L.project, type: "bar", stack: "x", data: d.project, itemStyle: { color: RED }, barMaxWidth: 36 },
        { name: L.total, type: "line", data: d.total, itemStyle: { color: "#c9a227" }, symbolSize: 7 }
      ]
    });
  }

  var BUILD = { tree: tree, pie: pie, stack: stack, rings: rings, bars: bars, series: series };

  function start() {
    var src = document.getElementById("chart-data");
    if (!src || !window.echarts) return;
    var blocks = JSON.parse(src.textContent || "[]");
    var made = [];
    blocks.forEach(function (b) {
      var card = document.getElementById(b.id);
      var box = card && card.querySelector(".chart-canvas");
      var build = BUILD[b.kind];
      if (!box || !build || !b.data) return;
      var chart = window.echarts.init(box, null, { renderer: "canvas" });
      chart.setOption(build(b, "treemap"));
      made.push(chart);
      card.querySelectorAll(".seg-btn").forEach(function (btn) {
        btn.addEventListener("click", function () {
          card.querySelectorAll(".seg-btn").forEach(function (o) { o.classList.toggle("active", o === btn); });
          chart.setOption(build(b, btn.getAttribute("data-mode")), true);
        });
      });
    });
    var resize = function () { made.forEach(function (c) { c.resize(); }); };
    window.addEventListener("resize", resize);
    window.addEventListener("beforeprint", resize);
    window.cnbudgetCharts = made;
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
