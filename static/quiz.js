// Quiz mode (templates/_quiz.html): outline the unit a question asks about, and keep the
// page's arrow-key shortcuts (→ next, ← previous) away from the answer's radio buttons, where
// the arrows choose an answer; Enter on a radio button sends the answer.
(function () {
  "use strict";

  function outlineTarget() {
    var form = document.getElementById("quiz-form");
    document.querySelectorAll("g.neuron.quiz-target").forEach(function (g) {
      g.classList.remove("quiz-target");
    });
    if (!form || !form.dataset.targetLayer) return;
    var selector = 'g.neuron[data-layer="' + form.dataset.targetLayer + '"]';
    if (form.dataset.targetUnit) selector += '[data-index="' + form.dataset.targetUnit + '"]';
    document.querySelectorAll(selector).forEach(function (g) { g.classList.add("quiz-target"); });
  }

  document.addEventListener("keydown", function (event) {
    var input = event.target;
    if (!input || input.type !== "radio" || !input.closest || !input.closest(".quiz-form")) return;
    if (/^Arrow/.test(event.key)) event.stopPropagation();  // the browser still moves the choice
    if (event.key === "Enter") {
      event.preventDefault();
      input.form.requestSubmit();
    }
  }, true);

  document.addEventListener("htmx:afterSettle", outlineTarget);
})();
