// What the admin pages (projects, policies, API access, playground, settings) share: their
// stylesheet, a modal form dialog and a confirmation dialog. Errors from the API are shown in
// the dialog (describeError), so a refused change never closes it silently.

import { describeError } from "../api.js";
import { h } from "../dom.js";

export function useAdminCss() {
  if (document.querySelector("link[data-admin-css]")) return;
  document.head.append(h("link", { rel: "stylesheet", href: "/static/admin.css", dataset: { adminCss: "1" } }));
}

// A modal form. `onSubmit(form)` may throw (an ApiError): the message is shown and the dialog
// stays open; when it resolves, the dialog closes and `openDialog` resolves with its result.
export function openDialog({ id, title, body, submitLabel = "Save", danger = false, onSubmit }) {
  return new Promise((resolve) => {
    const error = h("div", { class: "form-error", role: "alert" });
    const submit = h("button", { type: "submit", class: danger ? "btn btn-danger" : "btn btn-primary", id: id ? `${id}-submit` : null }, submitLabel);
    const cancel = h("button", { type: "button", class: "btn", onclick: () => dialog.close() }, "Cancel");
    let result;
    const form = h("form", {
      method: "dialog",
      onsubmit: async (event) => {
        event.preventDefault();
        error.textContent = "";
        submit.disabled = true;
        try {
          result = await onSubmit(form);
          dialog.close();
        } catch (err) {
          error.textContent = describeError(err);
        } finally {
          submit.disabled = false;
        }
      },
    }, h("h2", {}, title), body, error, h("div", { class: "dialog-actions" }, cancel, submit));
    const dialog = h("dialog", { id, class: "admin-dialog" }, form);
    dialog.addEventListener("close", () => {
      dialog.remove();
      resolve(result);
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}

// Resolves true once `action()` succeeded, false if cancelled.
export async function confirmAction({ id, title, text, label, action }) {
  const done = await openDialog({
    id, title, body: h("p", {}, text), submitLabel: label, danger: true,
    onSubmit: async () => { await action(); return true; },
  });
  return done === true;
}

// Copies text; falls back to selecting it in a temporary textarea where the async clipboard
// API is unavailable (plain http on another host than localhost).
export async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const area = h("textarea", { style: "position:fixed;left:-9999px" });
    area.value = text;
    document.body.append(area);
    area.select();
    const ok = document.execCommand("copy");
    area.remove();
    return ok;
  }
}

// A field: label + control, the control getting the label's id.
export function field(label, control, hint) {
  return h("div", { class: "field" },
    h("label", { for: control.id }, label), control, hint ? h("div", { class: "hint" }, hint) : null);
}
