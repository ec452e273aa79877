/* cnbudget charts: turn the server's chart blocks (<script type="application/json"
   id="chart-data">) into ECharts options. ECharts is vendored (/static/vendor/echarts.min.js);
   nothing is loaded from outside. Figures arrive in 万元; they are floats here only to draw.
   Tooltips are HTML: every text that reaches one (row names come from the document, i.e.
   from anyone) goes through esc(), and the axis tooltips are built here rather than left to
   ECharts, so no name is ever parsed as markup. Labels drawn on the canvas are text anyway.
   Each value axis carries one unit, named on the axis: 万元, or 亿元 when its largest
   figure reaches 10,000 万元 — never "5,000" next to "1.0亿". */
(function () {
  "use strict";

  var FONT = '"Noto Sans CJK SC","Source Han Sans SC","PingFang SC","Microsoft YaHei",sans-serif';
  var PALETTE = ["#1d3557", "#a4161a", "#457b9d", "#c9a227", "#2a9d8f", "#6d597a",
    "#e07a5f", "#8d99ae", "#3d5a80", "#b5838d", "#5c7f67", "#9c6644"];
  var NAVY = "#1d3557", RED = "#a4161a", GREY = "#9aa5b1";

  var ESC = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
  function esc(s) {
    return String(s === null || s === undefined ? "" : s).replace(/[&<>"']/g, function (c) { return ESC[c]; });
  }
  // Amounts as the tables print them: thousands separators, two decimals, in 万元.
  function fmt(v) {
    var n = Number(v || 0);
    return n.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  }
  function maxOf(lists) {
    var m = 0;
    lists.forEach(function (l) { (l || []).forEach(function (v) { m = Math.max(m, Math.abs(Number(v || 0))); }); });
    return m;
  }
  // A value axis in one unit: 亿元 when the largest figure (stacks summed) reaches 1 亿.
  function valueAxis(L, max, extra) {
    var yi = max >= 10000, div = yi ? 10000 : 1;
    return merge({
      type: "value", name: yi ? (L.unit_yi || "亿元") : L.unit, nameGap: 8,
      nameTextStyle: { color: "#5d6673", fontSize: 11, align: "right" },
      splitNumber: narrow() ? 3 : 5,
      axisLabel: { hideOverlap: true, fontSize: 11, formatter: function (v) {
        return (v / div).toLocaleString("en-US", { maximumFractionDigits: yi ? 2 : 0 }); } }
    }, extra || {});
  }
  function sums(a, b) { return (a || []).map(function (v, i) { return Number(v || 0) + Number((b || [])[i] || 0); }); }
  // The axis tooltip: the category, then each series' marker (ECharts' own coloured dot),
  // escaped name and figure.
  function axisTip(L) {
    return function (ps) {
      ps = [].concat(ps);
      var head = ps.length ? esc(ps[0].axisValueLabel !== undefined ? ps[0].axisValueLabel : ps[0].name) : "";
      return head + ps.map(function (p) {
        var v = p.value;
        var shown = v === null || v === undefined || v === "-" ? "—" : fmt(v) + " " + esc(L.unit);
        return "<br>" + p.marker + esc(p.seriesName) + "：" + shown;
      }).join("");
    };
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
        var path = (p.treePathInfo || []).slice(1).map(function (x) { return esc(x.name); }).join(" › ");
        return (path || esc(p.name)) + "<br>" + fmt(p.value) + " " + esc(L.unit);
      }
    };
    if (mode === "sunburst") {
      var ring = narrow() ? 46 : 110;
      return merge(base(b), {
        tooltip: { confine: true, formatter: function (p) {
          return esc(p.data.full || p.name) + "<br>" + fmt(p.value) + " " + esc(L.unit); } },
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
        formatter: function (p) { return esc(p.name) + "<br>" + fmt(p.value) + " " + esc(b.labels.unit) + "（" + p.percent + "%）"; } },
      legend: { type: "scroll", bottom: 0, textStyle: { fontSize: 12 },
        tooltip: { show: true, formatter: function (p) { return esc(p.name); } } },
      series: [{
        type: "pie", radius: narrow() ? ["34%", "60%"] : ["38%", "66%"], center: ["50%", "45%"],
        data: b.data, avoidLabelOverlap: true, itemStyle: { borderColor: "#fff", borderWidth: 2 },
        // on a phone the legend names the slices; labels around a small pie would collide
        label: { show: !narrow(), formatter: "{b}\n{d}%", fontSize: 11.5, overflow: "truncate", width: 150 },
        labelLine: { show: !narrow() }, labelLayout: { hideOverlap: true }
      }]
    });
  }

  function stack(b) {
    var d = b.data, L = b.labels;
    return merge(base(b), {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, confine: true, formatter: axisTip(L) },
      legend: { data: [L.basic, L.project], top: 0 },
      grid: { left: labelWidth() + 14, right: 40, top: 32, bottom: 28 },
      xAxis: valueAxis(L, maxOf([sums(d.basic, d.project)])),
      yAxis: { type: "category", data: d.categories, inverse: true,
        axisLabel: { width: labelWidth(), overflow: "truncate", fontSize: 11.5, hideOverlap: true } },
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
      legend: { type: "scroll", bottom: 0, data: d.inner.map(function (x) { return x.name; }), textStyle: { fontSize: 12 } },
      tooltip: { trigger: "item", confine: true,
        formatter: function (p) { return esc(p.name) + "<br>" + fmt(p.value) + " " + esc(b.labels.unit) + "（" + p.percent + "%）"; } },
      series: [
        { type: "pie", radius: [0, "36%"], center: ["50%", "46%"], data: d.inner, label: { show: false },
          itemStyle: { borderColor: "#fff", borderWidth: 2 } },
        { type: "pie", radius: narrow() ? ["44%", "60%"] : ["46%", "66%"], center: ["50%", "46%"], data: shaded(d.outer),
          minShowLabelAngle: 6,
          label: { show: !narrow(), fontSize: 11, formatter: "{b}", overflow: "truncate", width: 120 },
          labelLine: { show: !narrow() }, labelLayout: { hideOverlap: true },
          itemStyle: { borderColor: "#fff", borderWidth: 1 } }
      ]
    });
  }

  function bars(b) {
    var d = b.data, L = b.labels, series = [];
    if (d.previous) series.push({ name: L.last_year, type: "bar", data: d.previous, itemStyle: { color: GREY }, barMaxWidth: 22 });
    series.push({ name: L.this_year, type: "bar", data: d.current, itemStyle: { color: NAVY }, barMaxWidth: 22,
      label: { show: !d.previous && !narrow(), position: "right", formatter: function (p) { return fmt(p.value); }, fontSize: 11 } });
    return merge(base(b), {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, confine: true, formatter: axisTip(L) },
      legend: { top: 0 },
      grid: { left: labelWidth() + 14, right: d.previous || narrow() ? 40 : 76, top: 30, bottom: 28 },
      xAxis: valueAxis(L, maxOf([d.previous, d.current])),
      yAxis: { type: "category", data: d.categories, inverse: true,
        axisLabel: { width: labelWidth(), overflow: "truncate", fontSize: 11.5, hideOverlap: true } },
      series: series
    });
  }

  function series(b) {
    var d = b.data, L = b.labels;
    return merge(base(b), {
      tooltip: { trigger: "axis", confine: true, formatter: axisTip(L) },
      legend: { top: 0 },
      grid: { left: 56, right: 16, top: 40, bottom: 28 },
      xAxis: { type: "category", data: d.years, axisLabel: { hideOverlap: true } },
      yAxis: valueAxis(L, maxOf([d.total, sums(d.basic, d.project)]), { nameTextStyle: { color: "#5d6673", fontSize: 11, align: "left" } }),
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
