// What several modules read: the training run going on (or null) and whether a request is in
// flight. One object, owned here, instead of globals on window.
export const state = {
  run: null, // {kind: "train"|"play", left, total, origin, warned}
  busy: false,
};
