// sitroom: a little plain JavaScript. No inline handlers, no innerHTML with data:
// record fields only ever reach the page through textContent.
(function () {
  "use strict";

  function recordsFor(container) {
    var node = document.getElementById("records");
    if (!node) { return {}; }
    try { return JSON.parse(node.textContent || "{}"); } catch (e) { return {}; }
  }

  function show(value) {
    if (value === null || value === undefined) { return ""; }
    if (Array.isArray(value)) {
      return value.map(function (v) { return typeof v === "object" ? (v.text || v.actor_id || JSON.stringify(v)) : String(v); }).join("; ");
    }
    if (typeof value === "object") { return value.text !== undefined ? value.text : JSON.stringify(value); }
    return String(value);
  }

  function setupTooltips() {
    var text = document.getElementById("article-text");
    if (!text) { return; }
    var records = recordsFor(text);
    var tip = document.createElement("div");
    tip.className = "tooltip";
    tip.setAttribute("role", "tooltip");
    tip.hidden = true;
    document.body.appendChild(tip);

    function fill(span) {
      while (tip.firstChild) { tip.removeChild(tip.firstChild); }
      (span.getAttribute("data-ann") || "").split(" ").forEach(function (key) {
        var record = records[key];
        if (!record) { return; }
        var head = document.createElement("h4");
        head.textContent = record.kind + (record.type ? " · " + record.type : record.label ? " · " + record.label : "");
        tip.appendChild(head);
        var list = document.createElement("dl");
        Object.keys(record).forEach(function (name) {
          if (name === "kind" || (name === "text" && record.kind === "event")) { return; }
          var dt = document.createElement("dt");
          dt.textContent = name;
          var dd = document.createElement("dd");
          var shown = show(record[name]);
          dd.textContent = shown.length > 200 ? shown.slice(0, 200) + "…" : shown;
          list.appendChild(dt);
          list.appendChild(dd);
        });
        tip.appendChild(list);
      });
    }

    function place(span, x, y) {
      var rect = span.getBoundingClientRect();
      var left = (x !== undefined ? x : rect.left) + window.scrollX + 12;
      var top = (y !== undefined ? y : rect.bottom) + window.scrollY + 14;
      tip.style.left = Math.min(left, window.scrollX + document.documentElement.clientWidth - 460) + "px";
      tip.style.top = top + "px";
    }

    var current = null;
    function open(span, x, y) {
      if (current !== span) {
        current = span;
        fill(span);
        span.dataset.title = span.getAttribute("title") || "";
        span.removeAttribute("title");  // no native tooltip on top of ours
      }
      tip.hidden = false;
      place(span, x, y);
    }
    function close() {
      if (current && current.dataset.title) { current.setAttribute("title", current.dataset.title); }
      current = null;
      tip.hidden = true;
    }
    text.addEventListener("mouseover", function (event) {
      var span = event.target.closest("[data-ann]");
      if (span) { open(span, event.clientX, event.clientY); }
    });
    text.addEventListener("mousemove", function (event) {
      if (current) { place(current, event.clientX, event.clientY); }
    });
    text.addEventListener("mouseout", function (event) {
      var span = event.target.closest("[data-ann]");
      if (span && !span.contains(event.relatedTarget)) { close(); }
    });
    text.addEventListener("focusin", function (event) {
      var span = event.target.closest("[data-ann]");
      if (span) { open(span); }
    });
    text.addEventListener("focusout", close);
    document.addEventListener("keydown", function (event) { if (event.key === "Escape") { close(); } });
  }

  function setupLayers() {
    var layers = document.getElementById("layers");
    var text = document.getElementById("article-text");
    if (!layers || !text) { return; }
    layers.addEventListener("change", function (event) {
      var box = event.target;
      if (box && box.dataset && box.dataset.layer) {
        text.classList.toggle("hide-" + box.dataset.layer, !box.checked);
      }
    });
  }

  function setupFilters() {
    // Selects in filter forms apply at once; text fields on Enter (plain GET forms otherwise).
    document.querySelectorAll("form.filters select").forEach(function (select) {
      select.addEventListener("change", function () { select.form.requestSubmit(); });
    });
  }

  // Story timelines: the mouse wheel (or +/- buttons) zooms around the pointer, dragging pans,
  // "reset" shows the whole story again. Only the SVG viewBox changes; dots keep their links.
  function setupTimelines() {
    document.querySelectorAll("figure.timeline").forEach(function (figure) {
      var svg = figure.querySelector("svg");
      if (!svg) { return; }
      var full = svg.viewBox.baseVal;
      var box = { x: full.x, y: full.y, w: full.width, h: full.height };
      var initial = { x: box.x, w: box.w };
      function apply() { svg.setAttribute("viewBox", [box.x, box.y, box.w, box.h].join(" ")); }
      function zoom(factor, centre) {
        var w = Math.min(initial.w, Math.max(initial.w / 40, box.w * factor));
        box.x = Math.min(initial.x + initial.w - w, Math.max(initial.x, centre - (centre - box.x) * (w / box.w)));
        box.w = w;
        apply();
      }
      function pointerX(event) {
        var rect = svg.getBoundingClientRect();
        return box.x + (event.clientX - rect.left) / rect.width * box.w;
      }
      svg.addEventListener("wheel", function (event) {
        event.preventDefault();
        zoom(event.deltaY < 0 ? 0.8 : 1.25, pointerX(event));
      }, { passive: false });
      var dragging = null;
      svg.addEventListener("pointerdown", function (event) { dragging = { x: event.clientX, start: box.x }; });
      window.addEventListener("pointerup", function () { dragging = null; });
      svg.addEventListener("pointermove", function (event) {
        if (!dragging) { return; }
        var rect = svg.getBoundingClientRect();
        var shift = (event.clientX - dragging.x) / rect.width * box.w;
        box.x = Math.min(initial.x + initial.w - box.w, Math.max(initial.x, dragging.start - shift));
        apply();
      });
      var controls = document.createElement("div");
      controls.className = "timeline-controls";
      [["+", 0.5], ["−", 2], ["reset", 0]].forEach(function (spec) {
        var button = document.createElement("button");
        button.type = "button";
        button.textContent = spec[0];
        button.addEventListener("click", function () {
          if (spec[1]) { zoom(spec[1], box.x + box.w / 2); } else { box.x = initial.x; box.w = initial.w; apply(); }
        });
        controls.appendChild(button);
      });
      figure.insertBefore(controls, svg);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setupTooltips();
    setupLayers();
    setupFilters();
    setupTimelines();
  });
})();
