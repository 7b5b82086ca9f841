// Training: "Train N" and "Play" run as a chain of small requests, each swapping in the
// changed parts of #stage and the training panel, so the drawing and charts follow along,
// progress shows, and Stop/Pause take effect at once. Play asks for its next chunk as soon
// as the last one is painted (the browser's frames pace it, no fixed pause).
import { byId, stageUrl } from "./dom.js";
import { fieldProblem, flash } from "./flash.js";
import { announce } from "./focus.js";
import { state } from "./state.js";

let lastOrigin = null; // the id of the control that started the run that is going on
let running = false; // a run was going on at the last paint
let refused = null; // the last request's refusal (status, Retry-After)
// The speed chosen: the training panel (and its select) is replaced with every chunk.
let speed = null;

export function paintRunState() {
  const run = state.run;
  const play = byId("btn-play");
  const progress = byId("train-progress");
  if (play) {
    play.textContent = run ? (run.kind === "play" ? play.dataset.labelPause : play.dataset.labelStop)
                           : play.dataset.labelPlay;
    play.classList.toggle("running", !!run);
  }
  document.querySelectorAll("button.train-n").forEach((b) => { b.disabled = !!run; });
  if (progress) {
    progress.hidden = !(run && run.kind === "train");
    if (run && run.kind === "train") progress.value = 100 * (run.total - run.left) / run.total;
  }
  const select = byId("speed");
  if (select && speed) select.value = speed;
  // After the Train buttons are enabled again: focus back to the one that started the run,
  // and the state the run ended in said once.
  if (run) { lastOrigin = run.origin; running = true; return; }
  if (lastOrigin) { const origin = lastOrigin; lastOrigin = null; runEnded(origin); }
  if (running) { running = false; announce(); }
}

// The equation and neuron panels wait while a run goes on (the server sends a short note in
// their place, once): when it ends, they are asked for as they now are.
let panelsWait = false;
let inFlight = false; // a chunk's request is under way: its answer shows the panels if needed

function stop() {
  state.run = null;
  paintRunState();
  if (!inFlight) showPanels();
}

function showPanels() {
  const url = stageUrl("view");
  if (!panelsWait || !url) return;
  panelsWait = false;
  window.htmx.ajax("POST", url, {target: "#stage", swap: "outerHTML",
                                 headers: {"X-Panels": "after-run"}});
}

function tick() {
  const run = state.run;
  if (!run) return;
  const perTick = Number((byId("speed") || {}).value || 1);
  const chunk = run.kind === "play" ? perTick
    : Math.min(run.left, Math.max(1, Math.ceil(run.total / 25)));
  const url = stageUrl("train");
  if (!url) { state.run = null; return; }
  refused = null;
  // More chunks follow (Play, or Train N before its last): the panels may wait.
  const running = run.kind === "play" || run.left > chunk;
  panelsWait = running;
  inFlight = true;
  const values = running ? {iterations: chunk, running: "true"} : {iterations: chunk};
  window.htmx.ajax("POST", url, {target: "#stage", swap: "outerHTML", values}).then(() => {
    inFlight = false;
    if (!state.run) { paintRunState(); return showPanels(); }
    if (refused) { // nothing was trained: over the rate limit, wait and ask again; else stop
      if (refused.status === 429) return setTimeout(tick, 1000 * refused.retryAfter);
      return stop();
    }
    if (byId("stage-error")) return stop();
    // The loss started blowing up during this run: stop and let the learner look.
    if (!run.warned && byId("loss-warning")) return stop();
    if (run.kind === "train") {
      run.left -= chunk;
      if (run.left <= 0) return stop();
    }
    paintRunState();
    // The next chunk once this one is on screen: the frame after the swap has painted.
    requestAnimationFrame(() => setTimeout(tick, 0));
  }, () => { inFlight = false; stop(); });
}

// A keyboard user who starts a run keeps a place to stand: the Train buttons are disabled
// while it runs, so focus moves to Play (now Stop) and comes back to the button that started
// the run when it ends.
function start(kind, total, origin) {
  state.run = {kind, left: total, total, origin: origin && origin.id,
               warned: !!byId("loss-warning")};
  if (origin && origin.classList.contains("train-n") && document.activeElement === origin) {
    const play = byId("btn-play");
    if (play) play.focus({preventScroll: true});
  }
  paintRunState();
  tick();
}

function runEnded(origin) {
  const active = document.activeElement;
  if (!origin || (active && active !== document.body && active.id !== "btn-play")) return;
  const el = byId(origin);
  if (el && !el.disabled) el.focus({preventScroll: true});
}

export const handlers = {
  click(event) {
    const el = event.target.closest && event.target.closest("button");
    if (!el) return;
    if (el.id === "btn-play") {
      if (state.run) stop(); else start("play", Infinity);
    } else if (el.dataset.train) {
      start("train", Number(el.dataset.train), el);
    } else if (el.dataset.trainCustom) {
      const field = byId("train-custom");
      if (!field) return;
      const n = Math.floor(Number(field.value));
      if (field.checkValidity() && n >= 1) {
        start("train", n, el);
      } else { // say which field and which limit, as for the forms htmx sends
        flash(field.getAttribute("aria-label") + ": " + fieldProblem(field));
      }
    }
  },
  change(event) {
    if (event.target.id === "speed") speed = event.target.value;
  },
  "htmx:responseError"(event) {
    const xhr = event.detail.xhr;
    refused = {status: xhr.status,
               retryAfter: Math.max(1, Number(xhr.getResponseHeader("Retry-After")) || 1)};
  },
};
