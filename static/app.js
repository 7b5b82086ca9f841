// Backprop Stepper page behaviour: KaTeX rendering after every swap, and keyboard stepping.
(function () {
  "use strict";

  // KaTeX output is memoised by source: stepping repeats the same formulas, so after the
  // first iteration a swap costs no typesetting at all.
  var texCache = new Map();

  function renderTex(root) {
    if (!window.katex) return;
    root.querySelectorAll("[data-tex]").forEach(function (el) {
      if (el.dataset.rendered === "1") return;
      var display = el.classList.contains("display");
      var key = (display ? "D" : "I") + el.dataset.tex;
      var html = texCache.get(key);
      if (html === undefined) {
        try {
          html = window.katex.renderToString(el.dataset.tex, {
            displayMode: display, throwOnError: true, strict: "ignore",
          });
        } catch (err) {
          console.error("KaTeX could not render", el.dataset.tex, err);
          return;
        }
        if (texCache.size > 2000) texCache.clear();
        texCache.set(key, html);
      }
      el.innerHTML = html;
      el.dataset.rendered = "1";
    });
  }

  // Hover on an edge: its weight and, in the backward pass, its gradient, to 4 digits.
  var tip = null;
  function fmt(v) {
    var x = Number(v);
    return x === 0 ? "0" : x.toPrecision(4).replace(/\.?0+(e|$)/, "$1").replace("-", "\u2212");
  }
  document.addEventListener("mouseover", function (event) {
    var el = event.target;
    if (!el.classList || !el.classList.contains("edge")) return;
    if (!tip) {
      tip = document.createElement("div");
      tip.className = "tooltip";
      tip.setAttribute("role", "tooltip");
      document.body.appendChild(tip);
    }
    var text = el.dataset.name + " = " + fmt(el.dataset.value);
    if (el.dataset.grad) text += " \u00b7 d" + el.dataset.name + " = " + fmt(el.dataset.grad);
    tip.textContent = text;
    tip.style.left = (event.pageX + 12) + "px";
    tip.style.top = (event.pageY + 12) + "px";
    tip.hidden = false;
  });
  document.addEventListener("mouseout", function (event) {
    if (tip && event.target.classList && event.target.classList.contains("edge")) tip.hidden = true;
  });

  // Keyboard: → next step, ← previous step. Presses made while a request is in flight are
  // queued, so holding a key never skips or reorders steps.
  var busy = false;
  var queue = [];

  function press(id) {
    var button = document.getElementById(id);
    if (!button || button.disabled) return;
    if (busy) { queue.push(id); return; }
    button.click();
  }

  document.addEventListener("keydown", function (event) {
    var tag = (event.target && event.target.tagName) || "";
    if (/^(INPUT|SELECT|TEXTAREA)$/.test(tag) || event.altKey || event.ctrlKey || event.metaKey) return;
    if (event.key === "ArrowRight") { event.preventDefault(); press("btn-next"); }
    if (event.key === "ArrowLeft") { event.preventDefault(); press("btn-prev"); }
  });

  // Neurons: a click (or Enter/Space) asks the server to work that neuron out.
  function selectNeuron(el) {
    var stage = document.getElementById("stage");
    if (!stage || !window.htmx) return;
    window.htmx.ajax("POST", "/ui/" + stage.dataset.sid + "/view", {
      target: "#stage", swap: "outerHTML",
      values: { neuron: el.dataset.layer + "," + el.dataset.index },
    });
  }
  document.addEventListener("click", function (event) {
    var el = event.target.closest && event.target.closest("g.neuron");
    if (el) selectNeuron(el);
  });
  document.addEventListener("keydown", function (event) {
    var el = event.target;
    if (el && el.classList && el.classList.contains("neuron") && (event.key === "Enter" || event.key === " ")) {
      event.preventDefault();
      selectNeuron(el);
    }
  });

  document.addEventListener("htmx:beforeRequest", function () { busy = true; });
  document.addEventListener("htmx:afterSettle", function (event) {
    renderTex(event.target || document);
    busy = false;
    if (queue.length) press(queue.shift());
  });
  document.addEventListener("htmx:responseError", function () { busy = false; queue = []; });
  document.addEventListener("htmx:sendError", function () { busy = false; queue = []; });

  document.addEventListener("DOMContentLoaded", function () { renderTex(document); });
})();
