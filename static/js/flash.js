// The flash line at the bottom of the window: a refused request (with the server's own
// message), an unreachable server, a field outside its limits. The next request that goes
// through takes it away. Every word comes from the page (#flash's data-* attributes).
import { byId, closest } from "./dom.js";

export function flash(text) {
  const box = byId("flash");
  if (!box) return;
  box.querySelector(".flash-text").textContent = text;
  box.hidden = !text;
}

function word(key) { // data-refused, data-unreachable, data-range, data-whole
  const box = byId("flash");
  return box ? box.dataset[key] : "";
}

// Why a number field is refused, in the page's words (the browser's own message is in the
// browser's language, not necessarily the page's).
export function fieldProblem(field) {
  const v = field.validity;
  if (v.stepMismatch) return word("whole");
  if (field.min === "" && field.max === "") return field.validationMessage;
  if (v.valid || v.rangeUnderflow || v.rangeOverflow || v.badInput) {
    return word("range").replace("{min}", field.min || "−∞").replace("{max}", field.max || "∞");
  }
  return field.validationMessage;
}

export const handlers = {
  click(event) {
    if (closest(event, ".flash-close")) flash("");
  },
  "htmx:afterRequest"(event) {
    // Not the redraw of the panels after a run (runs.js): a run stopped by a refusal keeps
    // saying why.
    const config = event.detail.requestConfig;
    if (config && config.headers && config.headers["X-Panels"]) return;
    if (event.detail.successful) flash("");
  },
  "htmx:responseError"(event) {
    const xhr = event.detail.xhr;
    let message = (xhr.responseText || "").slice(0, 400);
    try { message = JSON.parse(xhr.responseText).message || message; } catch (err) { /* text */ }
    flash(word("refused") + " (HTTP " + xhr.status + "): " + message);
  },
  "htmx:sendError"() {
    flash(word("unreachable"));
  },
  // A field outside its own limits (the example number above m, say) stops htmx before the
  // request: say which field and which limit.
  "htmx:validation:halted"(event) {
    flash((event.detail.errors || []).map((e) => {
      const label = e.elt.labels && e.elt.labels[0];
      const name = label && label.firstChild ? label.firstChild.textContent.trim() : e.elt.name;
      return name + ": " + (e.elt.type === "number" ? fieldProblem(e.elt) : e.message);
    }).join("; "));
  },
};
