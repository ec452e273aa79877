/* cnbudget pages: the small amount of script the pages need.
   - findings panel: a click scrolls to the cell or sentence a finding names and highlights it
     (the server resolved every finding to element ids: data-targets / data-related);
   - check page: drag and drop a file onto the drop zone (submits at once);
   - compare page: swap A and B; print buttons.
   Without script every finding is still a plain #anchor link, so the page degrades to jumps. */
(function () {
  "use strict";

  function all(sel, root) {
    return Array.prototype.slice.call((root || document).querySelectorAll(sel));
  }
  function ids(el, attr) {
    return (el.getAttribute(attr) || "").split(" ").filter(Boolean);
  }
  var reduced = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  var lit = [];

  function clear() {
    lit.forEach(function (el) { el.classList.remove("hl", "hl-rel"); });
    lit = [];
    all(".finding.active").forEach(function (li) { li.classList.remove("active"); });
  }

  function mark(id, cls) {
    var el = document.getElementById(id);
    if (el) { el.classList.add(cls); lit.push(el); }
    return el;
  }

  function show(link) {
    var targets = ids(link, "data-targets");
    if (!targets.length) return false;
    clear();
    ids(link, "data-related").forEach(function (id) { mark(id, "hl-rel"); });
    var first = null;
    targets.forEach(function (id) {
      var el = mark(id, "hl");
      if (!first) first = el;
    });
    var li = link.closest(".finding");
    if (li) {
      li.classList.add("active");
      if (history.replaceState) history.replaceState(null, "", "#" + li.id);
    }
    if (first) {
      for (var p = first.parentElement; p; p = p.parentElement) {
        if (p.tagName === "DETAILS") p.open = true;
      }
      first.scrollIntoView({ block: "center", inline: "center", behavior: reduced ? "auto" : "smooth" });
    }
    return true;
  }

  document.addEventListener("click", function (e) {
    var a = e.target.closest && e.target.closest(".finding-link");
    if (!a) return;
    e.preventDefault();
    show(a);
  });

  function fromHash() {
    if (location.hash.indexOf("#finding-") !== 0) return;
    var li = document.getElementById(location.hash.slice(1));
    var a = li && li.querySelector(".finding-link");
    if (a) {
      li.scrollIntoView({ block: "nearest" });
      show(a);
    }
  }

  function printButtons() {
    all(".js-print").forEach(function (b) {
      b.hidden = false;
      b.addEventListener("click", function () { window.print(); });
    });
  }

  function swapButton() {
    all(".js-swap").forEach(function (b) {
      b.hidden = false;
      b.addEventListener("click", function () {
        var a = document.getElementById("pick-a"), c = document.getElementById("pick-b");
        if (!a || !c) return;
        var v = a.value; a.value = c.value; c.value = v;
      });
    });
  }

  function dropZone() {
    var zone = document.getElementById("dropzone");
    var input = document.getElementById("file");
    var form = document.getElementById("upload-form");
    var label = document.getElementById("drop-file");
    var submit = document.getElementById("check-submit");
    if (!zone || !input || !form) return;
    function named() {
      if (label) label.textContent = input.files && input.files.length ? input.files[0].name : "";
    }
    function busy() {
      if (submit) {
        submit.disabled = true;
        submit.textContent = submit.getAttribute("data-busy") || submit.textContent;
      }
    }
    ["dragenter", "dragover"].forEach(function (ev) {
      zone.addEventListener(ev, function (e) { e.preventDefault(); zone.classList.add("over"); });
    });
    ["dragleave", "dragend"].forEach(function (ev) {
      zone.addEventListener(ev, function () { zone.classList.remove("over"); });
    });
    zone.addEventListener("drop", function (e) {
      e.preventDefault();
      zone.classList.remove("over");
      if (!e.dataTransfer || !e.dataTransfer.files || !e.dataTransfer.files.length) return;
      input.files = e.dataTransfer.files;
      named();
      busy();
      form.submit();
    });
    input.addEventListener("change", named);
    form.addEventListener("submit", busy);
  }

  function ready() {
    printButtons();
    swapButton();
    dropZone();
    fromHash();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", ready);
  else ready();
})();
