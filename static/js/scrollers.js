// Boxes whose content is wider than they are (the drawing or a formula on a phone) get
// .scrolls, which draws a shadow on the side with more to see. Measured in the next frame,
// never right after a swap: reading scrollWidth then would force a synchronous layout.
function markScrollers() {
  document.querySelectorAll(".svg-scroll, .formula, .neuron-line, .matrix-scroll").forEach((el) => {
    const scrolls = el.scrollWidth > el.clientWidth + 1;
    el.classList.toggle("scrolls", scrolls);
    // A box that scrolls sideways can be scrolled from the keyboard: it takes focus, unless
    // something inside it already does (the drawing's neurons). Tables too (a wide matrix on
    // a phone), and the computation graph.
    if (!el.querySelector("[role=button], button, a[href]")) {
      if (scrolls) el.setAttribute("tabindex", "0"); else el.removeAttribute("tabindex");
    }
  });
}

let pending = false;
export function markScrollersSoon() {
  if (pending) return;
  pending = true;
  requestAnimationFrame(() => { pending = false; markScrollers(); });
}

export const handlers = {
  // A <details> opened (a chart's values, a neuron's weights): its table may be wider than
  // the screen. "toggle" does not bubble: main.js listens while it goes down.
  toggle: markScrollersSoon,
};
