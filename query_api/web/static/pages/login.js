// Log in: POST /v1/auth/login, keep the token, go where the user was heading.
import { api, describeError, setToken } from "../api.js";
import { h, mount } from "../dom.js";
import { forgetMember } from "../session.js";

export function render(root, { query, navigate }) {
  const error = h("div", { class: "form-error", role: "alert", id: "login-error" });
  const email = h("input", { type: "email", name: "email", id: "email", required: true, autocomplete: "username", autofocus: true });
  const password = h("input", { type: "password", name: "password", id: "password", required: true, autocomplete: "current-password" });
  const remember = h("input", { type: "checkbox", name: "remember", id: "remember", checked: true });
  const submit = h("button", { type: "submit", class: "btn btn-primary", id: "login-submit" }, "Log in");

  async function onSubmit(event) {
    event.preventDefault();
    error.textContent = "";
    submit.disabled = true;
    try {
      const answer = await api.post("/v1/auth/login", { email: email.value.trim(), password: password.value });
      setToken(answer.token, remember.checked);
      forgetMember();
      const next = query.get("next");
      navigate(next && next.startsWith("/") && !next.startsWith("//") ? next : "/dashboard", { replace: true });
    } catch (err) {
      error.textContent = describeError(err);
      submit.disabled = false;
    }
  }

  mount(root,
    h("div", { class: "login" },
      h("form", { class: "card login-card", onsubmit: onSubmit },
        h("div", { class: "brand brand-large" }, h("span", { class: "brand-mark" }, "◆"), "guardstream"),
        h("p", { class: "muted" }, "Log in to your organization's dashboard."),
        h("label", { for: "email" }, "Email"), email,
        h("label", { for: "password" }, "Password"), password,
        h("label", { class: "check" }, remember, " Keep me logged in on this browser"),
        error, submit)));
}
