// Keyboard: → next step, ← previous step; on the history slider its arrows move one
// iteration. Presses made while a request is in flight are queued, so holding a key never
// skips or reorders steps. A queued press is a button's id, or {scrub: ±1}.
import { byId, stageUrl } from "./dom.js";
import { isScrubbing } from "./focus.js";
import { inQuizChoice } from "./quiz.js";
import { state } from "./state.js";

let queue = [];
const SCRUB_KEYS = {ArrowRight: 1, ArrowUp: 1, ArrowLeft: -1, ArrowDown: -1};

function press(item) {
  if (state.busy) { queue.push(item); return; }
  if (typeof item === "object") { scrubBy(item.scrub); return; }
  const button = byId(item);
  if (!button || button.disabled) return;
  button.click();
}

// Each slider press asks for exactly one iteration more or less, from where the previous
// press (once answered) left the slider. The browser's own handling would change the value
// under a request in flight, and the swapped-in panel would drop it.
function scrubBy(delta) {
  const slider = byId("scrub");
  const url = stageUrl("goto");
  if (!slider || slider.disabled || !url) return;
  const value = Number(slider.value);
  const next = Math.min(Number(slider.max), Math.max(Number(slider.min), value + delta));
  if (next === value) return;
  slider.value = next;
  const out = byId("scrub-value");
  if (out) out.textContent = next;
  window.htmx.ajax("POST", url, {target: "#stage", swap: "outerHTML", values: {iteration: next}});
}

// One request done (its swaps settled, the out-of-band parts' too): the next queued press
// goes. After the request's own bookkeeping (hence the timeout); presses that do nothing (a
// disabled button) make way for the next.
function drain() {
  state.busy = false;
  while (queue.length && !state.busy) press(queue.shift());
}

export const handlers = {
  keydown(event) {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    const target = event.target;
    const onSlider = target && target.id === "scrub";
    if ((onSlider || (isScrubbing() && target === document.body)) && SCRUB_KEYS[event.key]) {
      event.preventDefault();
      press({scrub: SCRUB_KEYS[event.key]});
      return;
    }
    const tag = (target && target.tagName) || "";
    // Arrows move within text fields and selects; a checkbox (the UFLDL switch) has no use
    // for them.
    const box = tag === "INPUT" && /^(checkbox|radio)$/.test(target.type);
    if (/^(INPUT|SELECT|TEXTAREA)$/.test(tag) && !box) return;
    if (inQuizChoice(target)) return;  // the arrows choose an answer there
    if (event.key === "ArrowRight") { event.preventDefault(); press("btn-next"); }
    if (event.key === "ArrowLeft") { event.preventDefault(); press("btn-prev"); }
  },
  "htmx:beforeRequest"() { state.busy = true; },
  "htmx:afterRequest"() { setTimeout(drain, 0); },
  // A failed request drops the presses queued behind it (afterRequest then frees the keys).
  "htmx:responseError"() { queue = []; },
  "htmx:sendError"() { queue = []; },
};
