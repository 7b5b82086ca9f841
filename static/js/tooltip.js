// Hover: an edge's weight (and gradient), a line chart's values at the iteration under the
// pointer. One tooltip element, made on first use.
import { closest } from "./dom.js";

let tip = null;

// A number to 4 significant digits, with a true minus sign.
export function fmt(v) {
  const x = Number(v);
  return x === 0 ? "0" : x.toPrecision(4).replace(/\.?0+(e|$)/, "$1").replace("-", "\u2212");
}

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

function hideTip() {
  if (tip) tip.hidden = true;
}

function isEdge(el) {
  return el && el.classList && el.classList.contains("edge");
}

function chartHover(event) {
  const svg = closest(event, "svg.line-chart");
  if (!svg) return;
  const data = svg.__hover || (svg.__hover = JSON.parse(svg.dataset.hover));
  const box = svg.getBoundingClientRect();
  const vb = svg.viewBox.baseVal;
  const x = (event.clientX - box.left) * vb.width / box.width;
  const pos = (x - data.x0) / data.xw * (data.n - 1) + 1;
  let best = null;
  data.rows.forEach((row) => {
    if (best === null || Math.abs(row[0] - pos) < Math.abs(best[0] - pos)) best = row;
  });
  if (!best) return;
  const cursor = svg.querySelector(".cursor");
  const cx = data.x0 + (best[0] - 1) / Math.max(data.n - 1, 1) * data.xw;
  cursor.setAttribute("x1", cx);
  cursor.setAttribute("x2", cx);
  cursor.setAttribute("visibility", "visible");
  const holder = svg.closest("[data-tip]"); // the page's words: "iteration {n}", "第 {n} 次迭代"
  let text = holder ? holder.dataset.tip.replace("{n}", best[0]) : String(best[0]);
  data.names.forEach((name, k) => {
    if (best[k + 1] !== null) text += " \u00b7 " + name + " " + fmt(best[k + 1]);
  });
  showTip(text, event);
}

export const handlers = {
  mouseover(event) {
    const el = event.target;
    if (!isEdge(el)) return;
    let text = el.dataset.name + " = " + fmt(el.dataset.value);
    if (el.dataset.grad) text += " \u00b7 d" + el.dataset.name + " = " + fmt(el.dataset.grad);
    showTip(text, event);
  },
  mousemove: chartHover,
  mouseout(event) {
    if (isEdge(event.target)) hideTip();
    const svg = closest(event, "svg.line-chart");
    if (svg && !svg.contains(event.relatedTarget)) {
      svg.querySelector(".cursor").setAttribute("visibility", "hidden");
      hideTip();
    }
  },
};
