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
    var text = el.dataset.name + " = " + fmt(el.dataset.value);
    if (el.dataset.grad) text += " \u00b7 d" + el.dataset.name + " = " + fmt(el.dataset.grad);
    showTip(text, event);
  });

  function showTip(text, event) {
    if (!tip) {
      tip = document.createElement("div");
      tip.className = "tooltip";
      tip.setAttribute("role", "tooltip");
      document.body.appendChild(tip);
    }
    tip.textContent = text;
    tip.style.left = (event.pageX + 12) + "px";
    tip.style.top = (event.pageY + 12) + "px";
    tip.hidden = false;
  }
  document.addEventListener("mouseout", function (event) {
    if (tip && event.target.classList && event.target.classList.contains("edge")) tip.hidden = true;
  });

  // Keyboard: → next step, ← previous step. Presses made while a request is in flight are
  // queued, so holding a key never skips or reorders steps. A queued press is a button's id,
  // or {scrub: ±1}: one iteration along the history slider.
  var busy = false;
  var queue = [];

  function press(item) {
    if (busy) { queue.push(item); return; }
    if (typeof item === "object") return scrubBy(item.scrub);
    var button = document.getElementById(item);
    if (!button || button.disabled) return;
    button.click();
  }

  // The history slider's arrow keys: each press asks for exactly one iteration more or less,
  // from where the previous press (once answered) left the slider. The browser's own handling
  // would change the value under a request in flight, and the swapped-in panel would drop it.
  var scrubbing = false;  // the slider has the focus (or had it until its panel was swapped)
  var SCRUB_KEYS = {ArrowRight: 1, ArrowUp: 1, ArrowLeft: -1, ArrowDown: -1};

  function scrubBy(delta) {
    var slider = document.getElementById("scrub");
    var url = stageUrl("goto");
    if (!slider || slider.disabled || !url) return;
    var value = Number(slider.value);
    var next = Math.min(Number(slider.max), Math.max(Number(slider.min), value + delta));
    if (next === value) return;
    slider.value = next;
    var out = document.getElementById("scrub-value");
    if (out) out.textContent = next;
    window.htmx.ajax("POST", url, {target: "#stage", swap: "outerHTML", values: {iteration: next}});
  }

  document.addEventListener("focusin", function (event) {
    scrubbing = event.target.id === "scrub";
  });
  document.addEventListener("mousedown", function (event) {
    scrubbing = event.target.id === "scrub";
  });
  // The panel (with the slider) is replaced by every answer: give the new slider the focus.
  function refocusScrub() {
    var slider = document.getElementById("scrub");
    if (scrubbing && slider && document.activeElement !== slider &&
        (!document.activeElement || document.activeElement === document.body)) {
      slider.focus({preventScroll: true});
    }
  }

  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    var onSlider = event.target && event.target.id === "scrub";
    if ((onSlider || (scrubbing && event.target === document.body)) && SCRUB_KEYS[event.key]) {
      event.preventDefault();
      press({scrub: SCRUB_KEYS[event.key]});
      return;
    }
    var tag = (event.target && event.target.tagName) || "";
    // Arrows move within text fields and selects; a checkbox (the UFLDL switch) has no use for them.
    var box = tag === "INPUT" && /^(checkbox|radio)$/.test(event.target.type);
    if ((/^(INPUT|SELECT|TEXTAREA)$/.test(tag) && !box) || event.altKey || event.ctrlKey || event.metaKey) return;
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

  // Training: "Train N" and "Play" run as a chain of small requests, each swapping #stage, so
  // the drawing and charts follow along, progress shows, and Stop/Pause take effect at once.
  var run = null; // {kind: "train"|"play", left: N, total: N}

  function stageUrl(path) {
    var stage = document.getElementById("stage");
    return stage ? "/ui/" + stage.dataset.sid + "/" + path : null;
  }

  var lastOrigin = null;  // the id of the control that started the run that is going on
  var running = false;  // a run was going on at the last paint
  function paintRunState() {
    var play = document.getElementById("btn-play");
    var progress = document.getElementById("train-progress");
    if (play) {
      var label = run ? (run.kind === "play" ? play.dataset.labelPause : play.dataset.labelStop)
                      : play.dataset.labelPlay;
      play.textContent = label;
      play.classList.toggle("running", !!run);
    }
    document.querySelectorAll("button.train-n").forEach(function (b) { b.disabled = !!run; });
    if (progress) {
      progress.hidden = !(run && run.kind === "train");
      if (run && run.kind === "train") progress.value = 100 * (run.total - run.left) / run.total;
    }
    var speed = document.getElementById("speed");
    if (speed && window.__speed) speed.value = window.__speed;
    // After the Train buttons are enabled again: focus back to the one that started the run,
    // and the state the run ended in said once.
    if (run) { lastOrigin = run.origin; running = true; return; }
    if (lastOrigin) { var origin = lastOrigin; lastOrigin = null; runEnded(origin); }
    if (running) { running = false; announce(); }
  }

  var refused = null;  // the last request's refusal (status, Retry-After), set on htmx:responseError

  function tick() {
    if (!run) return;
    var speed = Number((document.getElementById("speed") || {}).value || 1);
    var chunk = run.kind === "play" ? speed
      : Math.min(run.left, Math.max(1, Math.ceil(run.total / 25)));
    var url = stageUrl("train");
    if (!url) { run = null; return; }
    refused = null;
    window.htmx.ajax("POST", url, {target: "#stage", swap: "outerHTML",
                                   values: {iterations: chunk}}).then(function () {
      if (!run) return paintRunState();
      if (refused) {  // nothing was trained: over the rate limit, wait and ask again; else stop
        if (refused.status === 429) return setTimeout(tick, 1000 * refused.retryAfter);
        run = null;
        return paintRunState();
      }
      if (document.getElementById("stage-error")) { run = null; return paintRunState(); }
      // The loss started blowing up during this run: stop and let the learner look.
      if (!run.warned && document.getElementById("loss-warning")) {
        run = null;
        return paintRunState();
      }
      if (run.kind === "train") {
        run.left -= chunk;
        if (run.left <= 0) { run = null; return paintRunState(); }
      }
      paintRunState();
      // The next chunk as soon as this one is on screen: the frame after the swap has painted.
      requestAnimationFrame(function () { setTimeout(tick, 0); });
    }, function () { run = null; paintRunState(); });
  }

  // A keyboard user who starts a run keeps a place to stand: the Train buttons are disabled
  // while it runs, so focus moves to Play (now Stop) and comes back to the button that
  // started the run when it ends.
  function start(kind, total, origin) {
    run = {kind: kind, left: total, total: total, origin: origin && origin.id,
           warned: !!document.getElementById("loss-warning")};
    if (origin && origin.classList.contains("train-n") && document.activeElement === origin) {
      var play = document.getElementById("btn-play");
      if (play) play.focus({preventScroll: true});
    }
    paintRunState();
    tick();
  }

  function runEnded(origin) {
    var active = document.activeElement;
    if (!origin || (active && active !== document.body && active.id !== "btn-play")) return;
    var el = document.getElementById(origin);
    if (el && !el.disabled) el.focus({preventScroll: true});
  }

  document.addEventListener("click", function (event) {
    var el = event.target.closest && event.target.closest("button");
    if (!el) return;
    if (el.id === "btn-play") {
      if (run) { run = null; paintRunState(); } else { start("play", Infinity); }
    } else if (el.dataset.train) {
      start("train", Number(el.dataset.train), el);
    } else if (el.dataset.trainCustom) {
      var field = document.getElementById("train-custom");
      if (!field) return;
      var n = Math.floor(Number(field.value));
      if (field.checkValidity() && n >= 1) {
        start("train", n, el);
      } else {  // say which field and which limit, as for the forms htmx sends
        flash(field.getAttribute("aria-label") + ": " + fieldProblem(field));
      }
    }
  });
  // Cancel on "discard the later iterations?": α stays as it was, and so does its field.
  document.addEventListener("click", function (event) {
    if (!(event.target.closest && event.target.closest("#lr-keep"))) return;
    var field = document.getElementById("lr-input");
    if (field) field.value = field.defaultValue;
  });
  document.addEventListener("change", function (event) {
    if (event.target.id === "speed") window.__speed = event.target.value;
  });
  document.addEventListener("input", function (event) {
    if (event.target.id === "scrub") {
      var out = document.getElementById("scrub-value");
      if (out) out.textContent = event.target.value;
    }
  });

  // Line charts: hover shows the iteration and every series' value there.
  document.addEventListener("mousemove", function (event) {
    var svg = event.target.closest && event.target.closest("svg.line-chart");
    if (!svg) return;
    var data = svg.__hover || (svg.__hover = JSON.parse(svg.dataset.hover));
    var box = svg.getBoundingClientRect();
    var vb = svg.viewBox.baseVal;
    var x = (event.clientX - box.left) * vb.width / box.width;
    var pos = (x - data.x0) / data.xw * (data.n - 1) + 1;
    var best = null;
    data.rows.forEach(function (row) {
      if (best === null || Math.abs(row[0] - pos) < Math.abs(best[0] - pos)) best = row;
    });
    if (!best) return;
    var cursor = svg.querySelector(".cursor");
    var cx = data.x0 + (best[0] - 1) / Math.max(data.n - 1, 1) * data.xw;
    cursor.setAttribute("x1", cx); cursor.setAttribute("x2", cx);
    cursor.setAttribute("visibility", "visible");
    var holder = svg.closest("[data-tip]");  // the page's words: "iteration {n}", "第 {n} 次迭代"
    var text = holder ? holder.dataset.tip.replace("{n}", best[0]) : String(best[0]);
    data.names.forEach(function (name, k) {
      if (best[k + 1] !== null) text += " \u00b7 " + name + " " + fmt(best[k + 1]);
    });
    showTip(text, event);
  });
  document.addEventListener("mouseout", function (event) {
    var svg = event.target.closest && event.target.closest("svg.line-chart");
    if (svg && !svg.contains(event.relatedTarget)) {
      svg.querySelector(".cursor").setAttribute("visibility", "hidden");
      if (tip) tip.hidden = true;
    }
  });

  // Tell the server which training panel the page shows: it is only sent again when changed.
  document.addEventListener("htmx:configRequest", function (event) {
    var panel = document.getElementById("training");
    if (panel) event.detail.headers["X-Training-Version"] = panel.dataset.version;
    // The drawing's pieces this page shows (by version): the server sends an hx-preserve
    // placeholder for those that did not change, and htmx keeps the page's own copy.
    var kept = [];
    document.querySelectorAll("#stage [data-v]").forEach(function (el) { kept.push(el.dataset.v); });
    if (kept.length) event.detail.headers["X-Have"] = kept.join(",");
    // The parts of #stage this page shows (by version): the answer brings only the others.
    var target = event.detail.target;
    if (target && target.id === "stage") {
      var parts = [];
      target.querySelectorAll("[data-pv]").forEach(function (el) {
        if (el.dataset.pv) parts.push(el.dataset.pv);
      });
      event.detail.headers["X-Parts"] = parts.join(",");
    }
  });

  // Before #stage is replaced htmx walks the old copy element by element (one cleanup event
  // each). The typeset formulas and the number tables are most of those elements and hold
  // nothing of htmx's: empty them first, so the walk skips them.
  function emptyHeavy(root) {
    root.querySelectorAll("[data-rendered], figure.matrix .matrix-scroll").forEach(function (el) {
      el.textContent = "";
    });
  }
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    if (!event.detail.shouldSwap || !target || target.id !== "stage") return;
    // An answer in parts (app/views/stage_parts.py) swaps pieces out of band and brings the
    // stage's own attributes in a header.
    var state = event.detail.xhr && event.detail.xhr.getResponseHeader("X-Stage-State");
    if (state) {
      var data = JSON.parse(state);
      Object.keys(data).forEach(function (key) { target.dataset[key] = data[key]; });
      return;
    }
    emptyHeavy(target);
  });
  document.addEventListener("htmx:oobBeforeSwap", function (event) {
    var target = event.detail.target;
    if (event.detail.shouldSwap && target && target.id !== "drawing") emptyHeavy(target);
  });

  // Boxes whose content is wider than they are (the drawing or a formula on a phone) get
  // .scrolls, which draws a shadow on the side with more to see.
  function markScrollers() {
    document.querySelectorAll(".svg-scroll, .formula, .neuron-line, .matrix-scroll").forEach(function (el) {
      var scrolls = el.scrollWidth > el.clientWidth + 1;
      el.classList.toggle("scrolls", scrolls);
      // A box that scrolls sideways can be scrolled from the keyboard: it takes focus, unless
      // something inside it already does (the drawing's neurons). Tables too (a wide matrix on
      // a phone), and the computation graph.
      if (!el.querySelector("[role=button], button, a[href]")) {
        if (scrolls) el.setAttribute("tabindex", "0"); else el.removeAttribute("tabindex");
      }
    });
  }
  // A <details> opened (a chart's values, a neuron's weights): its table may be wider than
  // the screen. "toggle" does not bubble: listen while it goes down.
  // Reading scrollWidth right after a swap would force a synchronous layout: the boxes are
  // measured in the next frame, after the browser has laid them out anyway.
  var marking = false;
  function markScrollersSoon() {
    if (marking) return;
    marking = true;
    requestAnimationFrame(function () { marking = false; markScrollers(); });
  }
  document.addEventListener("toggle", markScrollersSoon, true);
  window.addEventListener("resize", markScrollersSoon);

  // Share box: copy the link.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-copy]");
    if (!button) return;
    var field = document.querySelector(button.dataset.copy);
    if (!field) return;
    field.select();
    var done = function () { button.textContent = "\u2713 " + button.textContent.replace(/^\u2713 /, ""); };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(done, function () {
        document.execCommand("copy"); done();
      });
    } else {
      document.execCommand("copy");
      done();
    }
  });

  // Screen readers: one short sentence per step (what was computed, its shape, a number),
  // written by the server into #stage's data-announce, said through the #announce live
  // region; not during a training run (one sentence at its end instead).
  var announced = "";
  function announce() {
    var stage = document.getElementById("stage");
    var region = document.getElementById("announce");
    if (!stage || !region || run) return;
    var key = stage.dataset.iteration + "/" + stage.dataset.cursor;
    if (key === announced) return;  // a neuron or a view changed: nothing new was computed
    announced = key;
    region.textContent = stage.dataset.announce || "";
  }

  // Focus after a swap: htmx puts it back on the element with the same id; when the control
  // that had it is gone (focus fell to <body>), it goes back to the last control focused by
  // id that still exists, so the next Tab does not start from the top of the page.
  var lastFocused = null;
  document.addEventListener("focusin", function (event) {
    if (event.target && event.target.id) lastFocused = event.target.id;
  });
  function keepFocus() {
    var active = document.activeElement;
    if (active && active !== document.body) return;
    var el = lastFocused && document.getElementById(lastFocused);
    if (el && !el.disabled && el.offsetParent !== null) el.focus({preventScroll: true});
  }

  // A refused setup names its fields (data-fields): they get aria-invalid and point at the
  // message with aria-describedby; a later answer clears them.
  function markInvalid() {
    var form = document.querySelector("#setup form.custom");
    if (!form) return;
    var message = document.getElementById("setup-error-text");
    var fields = message && message.dataset.fields ? message.dataset.fields.split(",") : [];
    form.querySelectorAll("input, select").forEach(function (input) {
      if (fields.indexOf(input.name) >= 0) {
        input.setAttribute("aria-invalid", "true");
        input.setAttribute("aria-describedby", "setup-error-text");
      } else {
        input.removeAttribute("aria-invalid");
        input.removeAttribute("aria-describedby");
      }
    });
  }
  // The UFLDL overlay: a class on <html>, remembered across steps and visits, set by its switch.
  function ufldlOn() {
    try { return localStorage.getItem("bs-ufldl") === "1"; } catch (err) { return false; }
  }
  function paintUfldl() {
    document.documentElement.classList.toggle("ufldl", ufldlOn());
    var box = document.getElementById("ufldl-switch");
    if (box) box.checked = ufldlOn();
  }
  document.addEventListener("change", function (event) {
    if (!event.target || event.target.id !== "ufldl-switch") return;
    try { localStorage.setItem("bs-ufldl", event.target.checked ? "1" : "0"); } catch (err) { /* private mode */ }
    paintUfldl();
  });

  document.addEventListener("htmx:beforeRequest", function () { busy = true; });
  document.addEventListener("htmx:afterSwap", refocusScrub);
  // One answer may settle several pieces (its parts, the training panel): each is typeset,
  // and the page-wide work is done once, after the last.
  var settling = false;
  document.addEventListener("htmx:afterSettle", function (event) {
    renderTex(event.target || document);
    if (event.target && event.target.id === "setup-error") markInvalid();
    if (settling) return;
    settling = true;
    queueMicrotask(function () {
      settling = false;
      refocusScrub();
      markScrollersSoon();
      paintRunState();
      announce();
      keepFocus();
      paintUfldl();
    });
  });
  // One request done (its swaps settled, the out-of-band training panel's too): the next
  // queued press goes. Not on afterSettle, which comes once per swapped piece: a step that
  // also brings the training panel would let two presses go at once and htmx drop one.
  // After the request's own bookkeeping (hence the timeout); presses that do nothing (a
  // disabled button) make way for the next.
  function drain() {
    busy = false;
    while (queue.length && !busy) press(queue.shift());
  }
  document.addEventListener("htmx:afterRequest", function (event) {
    if (event.detail.successful) flash("");
    setTimeout(drain, 0);
  });
  // A refused request (a value out of range, the rate limit…) or an unreachable server is
  // said on the page, with the server's own message (it names the field and the limit);
  // the next request that goes through takes it away.
  function flash(text) {
    var box = document.getElementById("flash");
    if (!box) return;
    box.querySelector(".flash-text").textContent = text;
    box.hidden = !text;
  }
  function flashWord(key) {  // the page's own words for it (data-refused, data-unreachable)
    var box = document.getElementById("flash");
    return box ? box.dataset[key] : "";
  }
  // Why a number field is refused, in the page's words (the browser's own message is in the
  // browser's language, not necessarily the page's).
  function fieldProblem(field) {
    var v = field.validity;
    if (v.stepMismatch) return flashWord("whole");
    if (field.min === "" && field.max === "") return field.validationMessage;
    if (v.valid || v.rangeUnderflow || v.rangeOverflow || v.badInput) {
      return flashWord("range").replace("{min}", field.min || "−∞").replace("{max}", field.max || "∞");
    }
    return field.validationMessage;
  }
  // A failed request drops the presses queued behind it (afterRequest then frees the keys).
  document.addEventListener("htmx:responseError", function (event) {
    queue = [];
    var xhr = event.detail.xhr;
    refused = {status: xhr.status, retryAfter: Math.max(1, Number(xhr.getResponseHeader("Retry-After")) || 1)};
    var message = (xhr.responseText || "").slice(0, 400);
    try { message = JSON.parse(xhr.responseText).message || message; } catch (err) { /* text */ }
    flash(flashWord("refused") + " (HTTP " + xhr.status + "): " + message);
  });
  document.addEventListener("htmx:sendError", function () {
    queue = [];
    flash(flashWord("unreachable"));
  });
  // A field outside its own limits (the example number above m, say) stops htmx before the
  // request: say which field and which limit.
  document.addEventListener("htmx:validation:halted", function (event) {
    flash((event.detail.errors || []).map(function (e) {
      var label = e.elt.labels && e.elt.labels[0];
      var name = label && label.firstChild ? label.firstChild.textContent.trim() : e.elt.name;
      return name + ": " + (e.elt.type === "number" ? fieldProblem(e.elt) : e.message);
    }).join("; "));
  });
  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest(".flash-close")) flash("");
  });

  // Several tabs, several networks: each tab keeps the id of its own network for this tab only
  // (sessionStorage). After a reload, a tab whose cookie now names another tab's network asks
  // for its own back; the server sets the cookie to it and the page reloads once.
  function keepTabSession() {
    var stage = document.getElementById("stage");
    if (!stage || !window.sessionStorage) return;
    var mine = sessionStorage.getItem("bs-tab-session");
    var shown = stage.dataset.sid;
    var adopting = sessionStorage.getItem("bs-tab-adopting");
    sessionStorage.removeItem("bs-tab-adopting");
    // Only a reload asks for the tab's network back: following a link, a share link or
    // building a new network are navigations that show what the learner chose.
    var nav = performance.getEntriesByType && performance.getEntriesByType("navigation")[0];
    var reloaded = nav && nav.type === "reload";
    if (reloaded && mine && mine !== shown && !adopting) {
      sessionStorage.setItem("bs-tab-adopting", "1");
      window.htmx.ajax("POST", "/ui/adopt", {values: {sid: mine}, swap: "none"}).then(function () {
        var now = document.getElementById("stage");
        if (now && now.dataset.sid !== mine) sessionStorage.setItem("bs-tab-session", now.dataset.sid);
      });
      return;
    }
    sessionStorage.setItem("bs-tab-session", shown);
  }

  document.addEventListener("DOMContentLoaded", function () {
    renderTex(document);
    markScrollers();
    markInvalid();
    var stage = document.getElementById("stage");
    if (stage) announced = stage.dataset.iteration + "/" + stage.dataset.cursor;  // not on load
    keepTabSession();
    paintUfldl();
  });
})();
