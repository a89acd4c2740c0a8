// Settings › Export logs: where the org's screened guard logs are exported for a SIEM
// (notes: export contract). "Test authentication" probes the target with the form as it is
// (POST /v1/settings/export/test); "Save changes" is enabled only after a successful test of
// exactly those values (any edit disables it again), and the server probes again on save.
// Current alerts (GET /v1/alerts) say why an export is failing.

import { api } from "../api.js";
import { fmtTime, h, mount, notice } from "../dom.js";
import { field } from "./admin_dialogs.js";

const REASONS = {
  bad_credentials: "Bad credentials: the access key ID or secret access key was refused.",
  no_such_bucket: "No such bucket: check the bucket name (and region).",
  access_denied: "Access denied: the credentials may not write to this bucket or prefix.",
  endpoint_unreachable: "Endpoint unreachable: check the endpoint URL and the network.",
  write_failed: "Writing failed.",
};

export async function render(root, ctx) {
  const [view, alerts] = await Promise.all([
    api.get("/v1/settings/export"),
    api.get("/v1/alerts").catch((err) => ({ alerts: [], error: err })),
  ]);

  const s3 = view.target === "s3";
  const enabled = h("input", { type: "checkbox", id: "export-enabled", checked: view.enabled });
  const targetDefault = h("input", { type: "radio", name: "export-target", id: "target-default", value: "default", checked: !s3 });
  const targetS3 = h("input", { type: "radio", name: "export-target", id: "target-s3", value: "s3", checked: s3 });
  const endpoint = h("input", { type: "url", id: "export-endpoint", value: view.endpoint_url || "", placeholder: "https://s3.eu-central-1.amazonaws.com (empty: AWS)" });
  const region = h("input", { type: "text", id: "export-region", value: view.region || "", placeholder: "eu-central-1" });
  const bucket = h("input", { type: "text", id: "export-bucket", value: view.bucket || "", placeholder: "my-guard-logs" });
  const prefix = h("input", { type: "text", id: "export-prefix", value: view.prefix || "", placeholder: "guard/logs" });
  const keyId = h("input", { type: "text", id: "export-access-key", value: view.access_key_id || "", autocomplete: "off" });
  const secret = h("input", {
    type: "password", id: "export-secret", autocomplete: "new-password",
    placeholder: view.secret_set ? "•••••••• stored (leave empty to keep it)" : "",
  });
  const s3Fields = h("div", { class: "grid grid-2", id: "s3-fields" },
    field("Bucket", bucket), field("Path prefix", prefix, "Objects go to <prefix>/YYYY/MM/DD/hh/<time>.jsonl"),
    field("Endpoint URL", endpoint, "Any S3-compatible store; empty for AWS S3."), field("Region", region),
    field("Access key ID", keyId), field("Secret access key", secret, "Stored encrypted; never shown again."));

  const result = h("div", { class: "probe-result", id: "export-test-result", role: "status" });
  const error = h("div", { class: "form-error msg-line", role: "alert", id: "export-error" });
  const test = h("button", { type: "button", class: "btn", id: "export-test" }, "Test authentication");
  const save = h("button", { type: "submit", class: "btn btn-primary", id: "export-save", disabled: true }, "Save changes");
  let testedBody = null; // the JSON of the last successfully tested body

  function body() {
    const toS3 = targetS3.checked;
    const value = (input) => (toS3 && input.value.trim() ? input.value.trim() : null);
    const out = {
      enabled: enabled.checked,
      endpoint_url: value(endpoint), region: value(region), bucket: value(bucket),
      prefix: prefix.value.trim(),
      access_key_id: value(keyId),
    };
    if (toS3 && secret.value) out.secret_access_key = secret.value;
    return out;
  }

  function onEdit() {
    s3Fields.hidden = !targetS3.checked;
    const same = testedBody !== null && JSON.stringify(body()) === testedBody;
    save.disabled = !same;
    if (!same && testedBody !== null) {
      result.className = "probe-result";
      result.textContent = "Changed since the last test: test again before saving.";
    }
  }

  test.addEventListener("click", async () => {
    error.textContent = "";
    result.className = "probe-result";
    result.textContent = "Testing…";
    test.disabled = true;
    save.disabled = true;
    const sent = body();
    try {
      const answer = await api.post("/v1/settings/export/test", sent);
      if (answer.ok) {
        testedBody = JSON.stringify(sent);
        result.className = "probe-result ok";
        result.textContent = `Authentication succeeded: wrote, read back and deleted a test object (${Math.round(answer.elapsed_ms)} ms). You can save.`;
      } else {
        testedBody = null;
        result.className = "probe-result failed";
        result.dataset.reason = answer.reason || "";
        result.replaceChildren(h("strong", {}, REASONS[answer.reason] || "The test failed."), h("div", { class: "probe-detail" }, answer.message || ""));
      }
    } catch (err) {
      testedBody = null;
      result.className = "probe-result failed";
      result.textContent = err.field ? `${err.message} (${err.field})` : err.message;
    } finally {
      test.disabled = false;
      save.disabled = testedBody === null || JSON.stringify(body()) !== testedBody;
    }
  });

  async function onSubmit(event) {
    event.preventDefault();
    if (save.disabled) return;
    error.textContent = "";
    save.disabled = true;
    try {
      await api.put("/v1/settings/export", body());
      await render(root, ctx);
      const saved = root.querySelector("#export-test-result");
      if (saved) {
        saved.className = "probe-result ok";
        saved.textContent = "Saved: exports use these settings from now on.";
      }
    } catch (err) {
      error.textContent = err.message;
      save.disabled = false;
    }
  }

  const form = h("form", { class: "card settings-form", id: "export-form", onsubmit: onSubmit, oninput: onEdit, onchange: onEdit },
    h("p", { class: "muted intro" }, "Screened guard logs (masked) are exported every hour as JSON lines, one log per line, to the default archive of this deployment or to an S3 bucket of yours — any storage speaking the S3 protocol."),
    h("label", { class: "check", for: "export-enabled" }, enabled, " Export logs"),
    h("h3", { class: "section-title" }, "Destination"),
    h("div", { class: "radios" },
      h("label", { class: "check", for: "target-default" }, targetDefault, " This deployment's default archive"),
      h("label", { class: "check", for: "target-s3" }, targetS3, " An S3 bucket")),
    s3Fields,
    h("div", { class: "actions" }, test, save),
    result, error,
    view.tested_at ? h("p", { class: "hint" }, `Last successful test ${fmtTime(view.tested_at)}; settings updated ${fmtTime(view.updated_at)}.`) : null);
  s3Fields.hidden = !s3;

  mount(root, form, h("section", { class: "card settings-form", id: "export-alerts" },
    h("div", { class: "card-header" }, h("h2", {}, "Current alerts")),
    alertsView(alerts)));
}

function alertsView(alerts) {
  if (alerts.error) return notice("Alerts unavailable", alerts.error.message, "error");
  const open = alerts.alerts.filter((a) => !a.resolved_at);
  if (!alerts.alerts.length) return notice("No alerts", "Exports are being written without errors.");
  return h("div", { class: "table-wrap" }, h("table", { class: "data", id: "alerts-table" },
    h("thead", {}, h("tr", {}, ["Status", "Problem", "Since", "Last seen", "Logs held"].map((t) => h("th", {}, t)))),
    h("tbody", {}, alerts.alerts.map((a) => h("tr", { dataset: { reason: a.reason } },
      h("td", {}, a.resolved_at ? h("span", { class: "badge badge-ok" }, `resolved ${fmtTime(a.resolved_at)}`) : h("span", { class: "badge badge-flagged" }, "open")),
      h("td", {}, h("strong", {}, REASONS[a.reason] || a.reason), h("div", { class: "muted" }, a.message)),
      h("td", { class: "nowrap" }, fmtTime(a.since)),
      h("td", { class: "nowrap" }, fmtTime(a.last_seen)),
      h("td", { class: "num" }, a.held_events.toLocaleString("en-US")))))),
    open.length ? h("p", { class: "hint" }, "Admins were emailed when the alert opened. Fix the settings above and test again; held logs are exported once writes succeed.") : null);
}
