// The stage's own controls beyond htmx's attributes: a neuron worked out on click (or Enter,
// Space), α's field reset on "keep", the slider's number following it, the share link copied.
import { byId, closest } from "./dom.js";

function selectNeuron(el) {
  const stage = byId("stage");
  if (!stage || !window.htmx) return;
  window.htmx.ajax("POST", "/ui/" + stage.dataset.sid + "/view", {
    target: "#stage", swap: "outerHTML",
    values: {neuron: el.dataset.layer + "," + el.dataset.index},
  });
}

function copyLink(button) {
  const field = document.querySelector(button.dataset.copy);
  if (!field) return;
  field.select();
  const done = () => {
    button.textContent = "\u2713 " + button.textContent.replace(/^\u2713 /, "");
  };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(field.value).then(done, () => {
      document.execCommand("copy");
      done();
    });
  } else {
    document.execCommand("copy");
    done();
  }
}

export const handlers = {
  click(event) {
    const neuron = closest(event, "g.neuron");
    if (neuron) selectNeuron(neuron);
    // Cancel on "discard the later iterations?": α stays as it was, and so does its field.
    if (closest(event, "#lr-keep")) {
      const field = byId("lr-input");
      if (field) field.value = field.defaultValue;
    }
    const copy = closest(event, "[data-copy]");
    if (copy) copyLink(copy);
  },
  keydown(event) {
    const el = event.target;
    if (el && el.classList && el.classList.contains("neuron") &&
        (event.key === "Enter" || event.key === " ")) {
      event.preventDefault();
      selectNeuron(el);
    }
  },
  input(event) {
    if (event.target.id === "scrub") {
      const out = byId("scrub-value");
      if (out) out.textContent = event.target.value;
    }
  },
};
