// The setup form's refusals and the UFLDL overlay switch.
import { byId } from "./dom.js";

// A refused setup names its fields (data-fields): they get aria-invalid and point at the
// message with aria-describedby; a later answer clears them.
export function markInvalid() {
  const form = document.querySelector("#setup form.custom");
  if (!form) return;
  const message = byId("setup-error-text");
  const fields = message && message.dataset.fields ? message.dataset.fields.split(",") : [];
  form.querySelectorAll("input, select").forEach((input) => {
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
export function paintUfldl() {
  document.documentElement.classList.toggle("ufldl", ufldlOn());
  const box = byId("ufldl-switch");
  if (box) box.checked = ufldlOn();
}

export const handlers = {
  change(event) {
    if (!event.target || event.target.id !== "ufldl-switch") return;
    try {
      localStorage.setItem("bs-ufldl", event.target.checked ? "1" : "0");
    } catch (err) { /* private mode */ }
    paintUfldl();
  },
};
