/* Sticky label columns of the published tables (表1 … 表11): while a wide table is scrolled
   sideways inside its frame, its 科目编码 and 科目名称 columns stay in view, so an amount is
   never read without its row name.
   Why script and not CSS alone: the columns are sized in percent of a table whose width
   depends on the screen, and position: sticky needs each column's left offset in pixels.
   The leading label columns (td.code …, then the first td.name) are measured after layout;
   when together they would take more than half the frame (a phone), only the name column
   sticks, at the left edge, and the codes scroll away beneath it. Each table's minimum width
   is computed here too (fit), so a table fits its frame whenever its columns can. */
(function () {
  "use strict";

  // The grid position (first column, span) of every cell of a row group, rowspans included.
  function positions(rows) {
    var taken = [], out = [];
    rows.forEach(function (tr, r) {
      var col = 0;
      Array.prototype.forEach.call(tr.cells, function (cell) {
        while (taken[r] && taken[r][col]) col++;
        for (var dr = 0; dr < cell.rowSpan; dr++) {
          taken[r + dr] = taken[r + dr] || [];
          for (var dc = 0; dc < cell.colSpan; dc++) taken[r + dr][col + dc] = true;
        }
        out.push({ cell: cell, col: col, span: cell.colSpan });
        col += cell.colSpan;
      });
    });
    return out;
  }

  // How many leading columns are labels: the code columns, then one name column.
  function labelColumns(table) {
    var row = Array.prototype.find.call(table.tBodies[0] ? table.tBodies[0].rows : [], function (tr) {
      return Array.prototype.every.call(tr.cells, function (c) { return c.colSpan === 1; });
    });
    if (!row) return [];
    // each column's left edge and width in the table, as laid out (offsetLeft, so that the
    // sticky cells abut exactly, collapsed borders included)
    var cols = [];
    for (var i = 0; i < row.cells.length; i++) {
      var c = row.cells[i];
      var label = c.classList.contains("code") || c.classList.contains("name");
      if (!label) break;
      cols.push({ left: c.offsetLeft, width: c.offsetWidth });
      if (c.classList.contains("name")) break;
    }
    var last = row.cells[cols.length - 1];
    return last && last.classList.contains("name") ? cols : [];
  }

  // The narrowest width at which every column still gets its minimum (codes 36 px, the name
  // 120 px on a phone and 150 px otherwise, amounts 72 px), given the layout's percentages:
  // a table that fits at that width is not made to scroll (a 3-column 三公 table on a phone).
  function fit(table) {
    var cols = table.querySelectorAll("colgroup > col");
    var row = Array.prototype.find.call(table.tBodies[0] ? table.tBodies[0].rows : [], function (tr) {
      return tr.cells.length === cols.length;
    });
    if (!row || !cols.length) return;
    var narrow = window.innerWidth < 700, need = 0;
    Array.prototype.forEach.call(cols, function (col, i) {
      var pct = parseFloat(col.style.width) / 100, cls = row.cells[i].classList;
      var min = cls.contains("code") ? 36 : cls.contains("name") ? (narrow ? 120 : 150) : 72;
      if (pct > 0) need = Math.max(need, min / pct);
    });
    if (need > 0) table.style.minWidth = Math.ceil(need) + "px";
  }

  function stick(table) {
    fit(table);
    var frame = table.parentElement;
    var cells = positions(Array.prototype.slice.call(table.rows));
    cells.forEach(function (p) { p.cell.classList.remove("stick", "stick-edge"); p.cell.style.left = ""; });
    if (!frame || frame.scrollWidth <= frame.clientWidth + 1) return;  // it fits: nothing to do
    var cols = labelColumns(table);
    if (!cols.length) return;
    var n = cols.length, end = cols[n - 1].left + cols[n - 1].width;
    var first = end - cols[0].left <= frame.clientWidth * 0.5 ? 0 : n - 1;
    cells.forEach(function (p) {
      if (p.col < first || p.col + p.span > n) return;
      p.cell.classList.add("stick");
      p.cell.style.left = (cols[p.col].left - cols[first].left) + "px";
      if (p.col + p.span === n) p.cell.classList.add("stick-edge");
    });
  }

  function all() {
    document.querySelectorAll(".budget-table .table-wrap > table.data").forEach(stick);
  }
  var pending = 0;
  function later() {
    cancelAnimationFrame(pending);
    pending = requestAnimationFrame(all);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", all);
  else all();
  window.addEventListener("resize", later);
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll(".stick").forEach(function (c) { c.classList.remove("stick", "stick-edge"); c.style.left = ""; });
  });
  window.addEventListener("afterprint", all);
})();
