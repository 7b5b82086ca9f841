// KaTeX rendering of [data-tex] elements after every swap. Output is memoised by source:
// stepping repeats the same formulas, so after the first iteration a swap typesets nothing.
const cache = new Map();

export function renderTex(root) {
  if (!window.katex) return;
  root.querySelectorAll("[data-tex]").forEach((el) => {
    if (el.dataset.rendered === "1") return;
    const display = el.classList.contains("display");
    const key = (display ? "D" : "I") + el.dataset.tex;
    let html = cache.get(key);
    if (html === undefined) {
      try {
        html = window.katex.renderToString(el.dataset.tex, {
          displayMode: display, throwOnError: true, strict: "ignore",
        });
      } catch (err) {
        console.error("KaTeX could not render", el.dataset.tex, err);
        return;
      }
      if (cache.size > 2000) cache.clear();
      cache.set(key, html);
    }
    el.innerHTML = html;
    el.dataset.rendered = "1";
  });
}
