// Backprop Stepper page behaviour: KaTeX rendering after every swap, and keyboard stepping.
(function () {
  "use strict";

  function renderTex(root) {
    if (!window.katex) return;
    root.querySelectorAll("[data-tex]").forEach(function (el) {
      if (el.dataset.rendered === "1") return;
      try {
        window.katex.render(el.dataset.tex, el, {
          displayMode: el.classList.contains("display"),
          throwOnError: true,
          strict: "ignore",
        });
        el.dataset.rendered = "1";
      } catch (err) {
        console.error("KaTeX could not render", el.dataset.tex, err);
      }
    });
  }

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
