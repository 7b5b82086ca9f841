// The stage in parts (app/views/stage_parts.py): the page tells the server which parts it
// shows and which pieces of the drawing it holds; an answer in parts brings the changed
// ones out of band and the stage's own attributes in a header.

function versions(root, selector, key) {
  const found = [];
  root.querySelectorAll(selector).forEach((el) => { if (el.dataset[key]) found.push(el.dataset[key]); });
  return found.join(",");
}

// Before a piece is replaced htmx walks the old copy element by element (one cleanup event
// each). The typeset formulas and the number tables are most of those elements and hold
// nothing of htmx's: empty them first, so the walk skips them.
function emptyHeavy(root) {
  root.querySelectorAll("[data-rendered], figure.matrix .matrix-scroll").forEach((el) => {
    el.textContent = "";
  });
}

export const handlers = {
  "htmx:configRequest"(event) {
    // The training panel the page shows: it is only sent again when changed.
    const panel = document.getElementById("training");
    if (panel) event.detail.headers["X-Training-Version"] = panel.dataset.version;
    // The drawing's pieces (by version): unchanged ones come back as hx-preserve
    // placeholders, and htmx keeps the page's own copy.
    const kept = versions(document, "#stage [data-v]", "v");
    if (kept) event.detail.headers["X-Have"] = kept;
    const target = event.detail.target;
    if (target && target.id === "stage") {
      event.detail.headers["X-Parts"] = versions(target, "[data-pv]", "pv");
    }
  },
  "htmx:beforeSwap"(event) {
    const target = event.detail.target;
    if (!event.detail.shouldSwap || !target || target.id !== "stage") return;
    const header = event.detail.xhr && event.detail.xhr.getResponseHeader("X-Stage-State");
    if (header) {
      const data = JSON.parse(header);
      Object.keys(data).forEach((key) => { target.dataset[key] = data[key]; });
      return;
    }
    emptyHeavy(target);
  },
  "htmx:oobBeforeSwap"(event) {
    // Not the drawing: its unchanged edge groups are kept (hx-preserve) from the old copy.
    const target = event.detail.target;
    if (event.detail.shouldSwap && target && target.id !== "drawing") emptyHeavy(target);
  },
};
