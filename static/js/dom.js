// Small helpers every module uses: the page's elements by id, and the stage's URLs.

export function byId(id) {
  return document.getElementById(id);
}

// "/ui/<session>/<path>" for the network the stage shows (null before the stage exists).
export function stageUrl(path) {
  const stage = byId("stage");
  return stage ? "/ui/" + stage.dataset.sid + "/" + path : null;
}

// Whether an event's target is inside an element matching `selector` (that element or null).
export function closest(event, selector) {
  return event.target && event.target.closest ? event.target.closest(selector) : null;
}
