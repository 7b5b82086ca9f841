// Backprop Stepper's page script: one module per concern, wired here. Each module exports
// `handlers` (event type -> function); every event type gets one delegated listener on the
// document that calls them in this order.
import { announce, announcedAlready, handlers as focus, keepFocus, refocusScrub } from "./focus.js";
import { handlers as flash } from "./flash.js";
import { handlers as keys } from "./keys.js";
import { handlers as parts } from "./parts.js";
import { handlers as quiz } from "./quiz.js";
import { paintRunState, handlers as runs } from "./runs.js";
import { watchScrollers } from "./scrollers.js";
import { markInvalid, paintUfldl, handlers as setup } from "./setup.js";
import { handlers as stage } from "./stage.js";
import { keepTabSession } from "./tabs.js";
import { renderTex } from "./tex.js";
import { handlers as tooltip } from "./tooltip.js";

// One answer may settle several pieces (its parts, the training panel): each is typeset, and
// the page-wide work is done once, after the last.
let settling = false;
const settle = {
  "htmx:afterSettle"(event) {
    renderTex(event.target || document);
    if (event.target && event.target.id === "setup-error") markInvalid();
    if (settling) return;
    settling = true;
    queueMicrotask(() => {
      settling = false;
      refocusScrub();
      watchScrollers();
      paintRunState();
      announce();
      keepFocus();
      paintUfldl();
    });
  },
};

// flash before keys: a refused request is said before the queued presses are dropped.
const modules = [focus, parts, flash, keys, quiz, runs, stage, tooltip, setup, settle];

const byType = new Map();
for (const module of modules) {
  for (const [type, handler] of Object.entries(module)) {
    if (!byType.has(type)) byType.set(type, []);
    byType.get(type).push(handler);
  }
}
for (const [type, list] of byType) {
  document.addEventListener(type, (event) => {
    for (const handler of list) handler(event);
  });
}

function init() {
  renderTex(document);
  watchScrollers();
  markInvalid();
  announcedAlready();
  keepTabSession();
  paintUfldl();
}
// A module runs after the document is parsed, before DOMContentLoaded, on which htmx sets
// itself up: start after it.
if (document.readyState === "complete") init();
else document.addEventListener("DOMContentLoaded", init);
