// Boxes whose content is wider than they are (the drawing or a formula on a phone) get
// .scrolls, which draws a shadow on the side with more to see. They are measured by a
// ResizeObserver, whose callbacks run after the browser's own layout of the frame: reading
// scrollWidth right after a swap would force a synchronous layout instead. A box is measured
// when it first shows (a swapped-in part, a <details> opened) and whenever its size changes
// (the window turned or resized).
const SCROLLERS = ".svg-scroll, .formula, .neuron-line, .matrix-scroll";

function mark(el) {
  const scrolls = el.scrollWidth > el.clientWidth + 1;
  el.classList.toggle("scrolls", scrolls);
  // A box that scrolls sideways can be scrolled from the keyboard: it takes focus, unless
  // something inside it already does (the drawing's neurons). Tables too (a wide matrix on a
  // phone), and the computation graph.
  if (!el.querySelector("[role=button], button, a[href]")) {
    if (scrolls) el.setAttribute("tabindex", "0"); else el.removeAttribute("tabindex");
  }
}

const observer = new ResizeObserver((entries) => {
  for (const entry of entries) mark(entry.target);
});

// Watch the boxes now on the page (those swapped out are let go first): each is measured
// once laid out.
export function watchScrollers() {
  observer.disconnect();
  document.querySelectorAll(SCROLLERS).forEach((el) => observer.observe(el));
}
