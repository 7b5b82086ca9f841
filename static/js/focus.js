// Where the keyboard's focus stands after a swap, and what a screen reader hears.
import { byId } from "./dom.js";
import { state } from "./state.js";

// Focus after a swap: htmx puts it back on the element with the same id; when the control
// that had it is gone (focus fell to <body>), it goes back to the last control focused by id
// that still exists, so the next Tab does not start from the top of the page.
let lastFocused = null;
export function keepFocus() {
  const active = document.activeElement;
  if (active && active !== document.body) return;
  const el = lastFocused && byId(lastFocused);
  if (el && !el.disabled && el.offsetParent !== null) el.focus({preventScroll: true});
}

// The history slider has the focus (or had it until its panel was swapped).
let scrubbing = false;
export function isScrubbing() {
  return scrubbing;
}
// The panel (with the slider) is replaced by every answer: give the new slider the focus.
export function refocusScrub() {
  const slider = byId("scrub");
  const active = document.activeElement;
  if (scrubbing && slider && active !== slider && (!active || active === document.body)) {
    slider.focus({preventScroll: true});
  }
}

// Screen readers: one short sentence per step (what was computed, its shape, a number),
// written by the server into #stage's data-announce, said through the #announce live region;
// not during a training run (one sentence at its end instead).
let announced = "";
export function announce() {
  const stage = byId("stage");
  const region = byId("announce");
  if (!stage || !region || state.run) return;
  const key = stage.dataset.iteration + "/" + stage.dataset.cursor;
  if (key === announced) return; // a neuron or a view changed: nothing new was computed
  announced = key;
  region.textContent = stage.dataset.announce || "";
}
export function announcedAlready() { // on load the page says nothing
  const stage = byId("stage");
  if (stage) announced = stage.dataset.iteration + "/" + stage.dataset.cursor;
}

export const handlers = {
  focusin(event) {
    scrubbing = event.target.id === "scrub";
    if (event.target && event.target.id) lastFocused = event.target.id;
  },
  mousedown(event) {
    scrubbing = event.target.id === "scrub";
  },
  "htmx:afterSwap": refocusScrub,
};
