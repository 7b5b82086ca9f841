// Quiz mode (templates/_quiz.html): outline the unit a question asks about; Enter on an
// answer's radio button sends the answer. (The arrows on those radio buttons choose an answer:
// keys.js leaves them to the browser.)

function outlineTarget() {
  const form = document.getElementById("quiz-form");
  document.querySelectorAll("g.neuron.quiz-target").forEach((g) => g.classList.remove("quiz-target"));
  if (!form || !form.dataset.targetLayer) return;
  let selector = `g.neuron[data-layer="${form.dataset.targetLayer}"]`;
  if (form.dataset.targetUnit) selector += `[data-index="${form.dataset.targetUnit}"]`;
  document.querySelectorAll(selector).forEach((g) => g.classList.add("quiz-target"));
}

export function inQuizChoice(target) {
  return Boolean(target && target.type === "radio" && target.closest && target.closest(".quiz-form"));
}

export const handlers = {
  keydown(event) {
    if (event.key !== "Enter" || !inQuizChoice(event.target)) return;
    event.preventDefault();
    event.target.form.requestSubmit();
  },
  "htmx:afterSettle": outlineTarget,
};
