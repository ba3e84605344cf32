// External SMTP: the settings form of the seeds (Zuora's and FusionAuth's). Every field is
// checked as it is typed by the npm package `sendready` (no request); "Test connection"
// and "Send test email" ask the backend, which talks to the server step by step. "Save
// settings" and "Test connection and save" keep them in the backend (GET/PUT
// /v1/settings, under the version read; the password sealed there and never sent back).
// The delivery choice and the SES sender are checked as typed by the same rules the
// backend runs on a save (checkEmailSettings); with debug on, each SMTP session's
// transcript is kept in the backend and shown on request (GET /v1/settings/smtp-debug).

import {
  type AuthMethod,
  checkEmailSettings,
  checkSmtpField,
  checkSmtpSettings,
  type DeliveryRoute,
  type Diagnosis,
  detectProvider,
  type EmailSettings,
  type Issue,
  type Outcome,
  type Preset,
  type Profile,
  providers,
  type Security,
  type SettingsView,
  type SmtpSettings,
  type SmtpTranscript,
  type TestedSettings,
} from "sendready";

import { type ApiError, call } from "./api";
import { field, h, put, uid } from "./dom";
import { diagnosisView } from "./views";

const SECURITY: [Security, string][] = [
  ["starttls", "STARTTLS (TLS after connecting; port 587)"],
  ["tls", "SSL/TLS (implicit TLS; port 465)"],
  ["none", "None (no encryption)"],
];
const AUTH: [AuthMethod, string][] = [
  ["password", "Username and password"],
  ["oauth2", "OAuth 2.0"],
  ["none", "None"],
];
const DELIVERY: [DeliveryRoute, string][] = [
  ["platformDefault", "The platform's default server (from the profile's email address)"],
  ["externalSmtp", "My SMTP server (needs a passing Test connection and save)"],
  ["ses", "Advanced SMTP (SES, from a verified identity)"],
];
const PROFILES: [Profile, string][] = [
  ["generic", "Generic"],
  ["zuora", "Zuora"],
  ["fusionauth", "FusionAuth"],
];
const FIELDS = [
  "host",
  "port",
  "security",
  "authentication",
  "oauth2Provider",
  "username",
  "password",
  "fromAddress",
  "fromName",
  "additionalHeaders",
] as const;
type FieldName = (typeof FIELDS)[number];

/** Shows issues beside their fields; returns the issues that belong to no shown field. */
export function showIssues(messages: Map<string, HTMLElement>, issues: Issue[], only?: string) {
  const by = new Map<string, Issue[]>();
  for (const i of issues) {
    const f = i.field.replace(/\[\d+\]$/, "");
    if (only && f !== only) continue;
    by.set(f, [...(by.get(f) ?? []), i]);
  }
  for (const [name, el] of messages) {
    if (only && name !== only) continue;
    const list = by.get(name) ?? [];
    put(el, ...list.map((i) => h("p", { class: `issue ${i.severity}`, "data-code": i.code }, i.message)));
    el.closest(".field")
      ?.querySelector("input,select,textarea")
      ?.setAttribute("aria-invalid", String(list.some((i) => i.severity === "error")));
  }
  return [...by.entries()].filter(([k]) => !messages.has(k)).flatMap(([, v]) => v);
}

export function smtpPage(root: HTMLElement) {
  const presets = providers();
  let stored = false; // a password is saved in the backend
  let storedPassword = ""; // the one saved from this page, for tests that send it
  // Where the saved password signs in: the backend uses it only with this host, port and
  // username, so a change to any of them asks for the password again.
  let savedAt: { host: string; port: string; username: string } | null = null;
  let version = 0; // the settings version read, sent back as If-Match

  const el = {
    profile: h("select", { id: "smtp-profile" }, ...PROFILES.map(([v, l]) => h("option", { value: v }, l))),
    provider: h(
      "select",
      { id: "smtp-provider" },
      h("option", { value: "" }, "Other / my own server"),
      ...presets.map((p) => h("option", { value: p.id }, p.name)),
    ),
    host: h("input", {
      id: "smtp-host",
      name: "host",
      autocomplete: "off",
      spellcheck: "false",
      placeholder: "smtp.example.com",
    }),
    port: h("input", {
      id: "smtp-port",
      name: "port",
      type: "number",
      inputmode: "numeric",
      min: 1,
      max: 65535,
      value: 587,
    }),
    security: h(
      "select",
      { id: "smtp-security", name: "security" },
      ...SECURITY.map(([v, l]) => h("option", { value: v }, l)),
    ),
    authentication: h(
      "select",
      { id: "smtp-authentication", name: "authentication" },
      ...AUTH.map(([v, l]) => h("option", { value: v }, l)),
    ),
    oauth2Provider: h("input", { id: "smtp-oauth2-provider", name: "oauth2Provider", placeholder: "Google" }),
    accessToken: h("input", { id: "smtp-access-token", name: "accessToken", type: "password", autocomplete: "off" }),
    username: h("input", { id: "smtp-username", name: "username", autocomplete: "off", spellcheck: "false" }),
    password: h("input", { id: "smtp-password", name: "password", type: "password", autocomplete: "new-password" }),
    changePassword: h("input", { id: "smtp-change-password", type: "checkbox" }),
    fromAddress: h("input", {
      id: "smtp-from-address",
      name: "fromAddress",
      type: "email",
      spellcheck: "false",
      placeholder: "billing@yourcompany.com",
    }),
    fromName: h("input", { id: "smtp-from-name", name: "fromName", placeholder: "Your Company Billing" }),
    additionalHeaders: h("textarea", {
      id: "smtp-additional-headers",
      name: "additionalHeaders",
      rows: 3,
      placeholder: "X-Tenant=acme",
    }),
    debug: h("input", { id: "smtp-debug", type: "checkbox" }),
    to: h("input", { id: "smtp-test-to", type: "email", spellcheck: "false", placeholder: "you@yourcompany.com" }),
    delivery: h("select", { id: "settings-delivery" }, ...DELIVERY.map(([v, l]) => h("option", { value: v }, l))),
    profileEmail: h("input", {
      id: "settings-profile-email",
      type: "email",
      spellcheck: "false",
      placeholder: "billing@yourcompany.com",
    }),
    sesFromAddress: h("input", {
      id: "settings-ses-from-address",
      type: "email",
      spellcheck: "false",
      placeholder: "billing@yourcompany.com",
    }),
    sesFromName: h("input", { id: "settings-ses-from-name", placeholder: "Your Company Billing" }),
  };

  const f = {
    host: field("Host", el.host, "Your SMTP server's name, without a port."),
    port: field("Port", el.port),
    security: field("Security", el.security),
    authentication: field("Authentication", el.authentication),
    oauth2Provider: field("OAuth 2.0 provider", el.oauth2Provider),
    accessToken: field("Access token (only for the test; never saved)", el.accessToken),
    username: field("Username", el.username),
    password: field("Password", el.password),
    fromAddress: field("Default from address", el.fromAddress),
    fromName: field("Default from name", el.fromName),
    additionalHeaders: field("Additional headers", el.additionalHeaders, "One Name=Value per line."),
  };
  const messages = new Map<string, HTMLElement>(FIELDS.map((k) => [k, f[k].msg]));
  // The delivery fields, under the paths the backend names them by.
  const d = {
    profileEmail: field("Profile email address", el.profileEmail, "The platform's default server sends from it."),
    sesFromAddress: field(
      "SES from address",
      el.sesFromAddress,
      "An address of one of your verified identities (Advanced SMTP sends only from those).",
    ),
    sesFromName: field("SES from name", el.sesFromName),
  };
  const deliveryMessages = new Map<string, HTMLElement>([
    ["profileEmail", d.profileEmail.msg],
    ["ses.fromAddress", d.sesFromAddress.msg],
    ["ses.fromName", d.sesFromName.msg],
  ]);
  for (const [k, v] of deliveryMessages) messages.set(k, v);
  const changeRow = h(
    "div",
    { class: "check", hidden: true },
    el.changePassword,
    h("label", { for: el.changePassword.id }, "Change password"),
  );
  f.password.wrap.append(changeRow);
  const providerNotes = h("div", { class: "notes", id: "provider-notes", "aria-live": "polite" });
  const detected = h("div", { class: "hint", id: "provider-detected", "aria-live": "polite" });
  f.host.wrap.append(detected);
  const formErrors = h("div", { class: "msg", id: "smtp-form-msg", "aria-live": "polite" });
  const result = h("section", {
    class: "result",
    id: "smtp-result",
    "aria-live": "polite",
    "aria-label": "Connection test result",
  });

  function settings(): Partial<SmtpSettings> {
    const port = el.port.value.trim() === "" ? null : Number(el.port.value);
    const auth = el.authentication.value as AuthMethod;
    const changing = !stored || el.changePassword.checked;
    return {
      profile: el.profile.value as Profile,
      host: el.host.value,
      port: port !== null && Number.isFinite(port) ? port : null,
      security: el.security.value as Security,
      authentication: auth,
      username: el.username.value,
      password: changing ? el.password.value : null,
      changePassword: stored ? el.changePassword.checked : null,
      passwordStored: stored,
      oauth2Provider: auth === "oauth2" ? el.oauth2Provider.value : null,
      fromAddress: el.fromAddress.value,
      fromName: el.fromName.value,
      additionalHeaders: el.additionalHeaders.value,
      debug: el.debug.checked,
    };
  }

  /** True when host, port or username differ from those the saved password was saved for. */
  function movedFromSaved(): boolean {
    if (!stored || !savedAt) return false;
    return (
      el.host.value.trim().toLowerCase() !== savedAt.host ||
      el.port.value.trim() !== savedAt.port ||
      el.username.value.trim() !== savedAt.username
    );
  }

  /** Asks for the password again once the server or username moves off the saved ones. */
  function askAgainIfMoved() {
    if (!movedFromSaved() || !savedAt) return;
    if (!el.changePassword.checked) {
      el.changePassword.checked = true;
      syncVisibility();
    }
    const where = `${savedAt.host}:${savedAt.port || "the default port"}${savedAt.username ? ` as ${savedAt.username}` : ""}`;
    showIssues(
      messages,
      [
        {
          field: "password",
          code: "settings-secret-unbound",
          severity: "warning",
          message: `The saved password is used only with ${where}; type the password for this server.`,
        },
      ],
      "password",
    );
  }

  /** The settings as sent for a test: the stored password when it is not being changed
   * (the backend uses its saved one when this page holds none). */
  function requestSettings() {
    const s = settings();
    if (stored && !el.changePassword.checked && !movedFromSaved()) s.password = storedPassword;
    return s;
  }

  function syncVisibility() {
    const auth = el.authentication.value;
    f.oauth2Provider.wrap.hidden = auth !== "oauth2";
    f.accessToken.wrap.hidden = auth !== "oauth2";
    f.password.wrap.hidden = auth !== "password";
    f.username.wrap.hidden = auth === "none";
    changeRow.hidden = !stored;
    d.sesFromAddress.wrap.hidden = el.delivery.value !== "ses";
    d.sesFromName.wrap.hidden = el.delivery.value !== "ses";
    el.password.disabled = stored && !el.changePassword.checked;
    el.password.placeholder = stored && !el.changePassword.checked ? "•••••••• (saved)" : "";
  }

  // One field as it is typed: only its own messages change (and security/port, which
  // depend on each other).
  function checkField(name: FieldName) {
    const s = settings();
    const r = checkSmtpField(s, name);
    showIssues(messages, r.issues, name);
    if (name === "port" || name === "security") {
      const other = name === "port" ? "security" : "port";
      showIssues(messages, checkSmtpField(s, other).issues, other);
    }
  }

  function showPreset(p: Preset | undefined) {
    if (!p) {
      put(providerNotes);
      return;
    }
    const username =
      p.username.kind === "fixed"
        ? `Username: always "${p.username.value}".`
        : p.username.kind === "emailAddress"
          ? "Username: your full email address."
          : p.username.kind === "fromSettingsPage"
            ? "Username: the one on the provider's SMTP settings page."
            : "";
    put(
      providerNotes,
      h("h3", {}, `${p.name}`),
      h(
        "ul",
        {},
        ...[username, p.passwordHint && `Password: ${p.passwordHint}`, p.fromHint && `From: ${p.fromHint}`, ...p.notes]
          .filter(Boolean)
          .map((n) => h("li", {}, n)),
      ),
      h(
        "p",
        { class: "hint" },
        `Ports: ${p.ports.map(([n, s]) => `${n} (${s === "tls" ? "SSL/TLS" : s === "starttls" ? "STARTTLS" : "none"})`).join(", ")}`,
      ),
    );
  }

  el.provider.addEventListener("change", () => {
    const p = presets.find((x) => x.id === el.provider.value);
    if (p) {
      el.host.value = p.host;
      el.port.value = String(p.port);
      el.security.value = p.security;
      el.authentication.value = "password";
      if (p.username.kind === "fixed") el.username.value = p.username.value;
      syncVisibility();
      for (const k of ["host", "port", "security"] as const) checkField(k);
      // Not the username before it is typed: a preset fills no username, and an empty
      // field the user has not reached yet is no error to show.
      if (el.username.value.trim()) checkField("username");
    }
    showPreset(p);
  });

  for (const name of FIELDS) {
    const control = el[name];
    control.addEventListener("input", () => {
      if (name === "authentication") syncVisibility();
      checkField(name);
      if (name === "host" || name === "port" || name === "username") askAgainIfMoved();
      if (name === "host") {
        const d = detectProvider(el.host.value);
        const p = d && presets.find((x) => x.id === d.id);
        put(
          detected,
          p ? `This is ${p.name}${d!.region ? ` (${d!.region})` : ""}: its notes are shown under Provider, above.` : "",
        );
        if (p && el.provider.value !== p.id) {
          el.provider.value = p.id;
          showPreset(p);
        }
      }
    });
    control.addEventListener("change", () => {
      if (name === "authentication") syncVisibility();
      checkField(name);
    });
  }
  el.profile.addEventListener("change", () => FIELDS.forEach(checkField));
  /** The delivery fields as typed, by the rules a save runs (the SMTP ones have theirs). */
  function checkDelivery() {
    const r = checkEmailSettings(emailSettings(), stored);
    for (const k of deliveryMessages.keys()) showIssues(deliveryMessages, r.issues, k);
    return r;
  }
  for (const control of [el.profileEmail, el.sesFromAddress, el.sesFromName]) {
    control.addEventListener("input", checkDelivery);
  }
  el.delivery.addEventListener("change", () => {
    syncVisibility();
    checkDelivery();
  });
  el.changePassword.addEventListener("change", () => {
    syncVisibility();
    checkField("password");
  });

  /** The whole form before a request: errors stop it, with the messages shown. */
  function checkAll(): boolean {
    const r = checkSmtpSettings(settings());
    const rest = showIssues(messages, r.issues);
    put(
      formErrors,
      ...rest.map((i) => h("p", { class: `issue ${i.severity}`, "data-code": i.code }, `${i.field}: ${i.message}`)),
    );
    const errors = r.issues.filter((i) => i.severity === "error");
    if (errors.length) {
      put(
        result,
        h(
          "p",
          { class: "issue error" },
          `Fix ${errors.length === 1 ? "the field" : `the ${errors.length} fields`} marked above first.`,
        ),
      );
      document
        .getElementById(
          `smtp-${errors[0].field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`).replace(/\[\d+\]$/, "")}`,
        )
        ?.focus();
    }
    return errors.length === 0;
  }

  function showOutcome(title: string, o: Outcome) {
    put(
      result,
      h(
        "h3",
        {},
        `${title}: `,
        h("span", { class: o.ok ? "ok" : "fail", id: "smtp-verdict" }, o.ok ? "success" : "failed"),
      ),
      h(
        "ol",
        { class: "steps" },
        ...o.steps.map((s) =>
          h(
            "li",
            { class: s.ok ? "ok" : "fail", "data-step": s.step },
            h("span", { class: "mark", "aria-hidden": "true" }, s.ok ? "✓" : "✗"),
            h("span", { class: "step" }, STEP_NAMES[s.step] ?? s.step),
            h("span", { class: "detail" }, ` ${s.detail} (${s.millis} ms)`),
            s.diagnosis ? diagnosisView(s.diagnosis) : null,
          ),
        ),
      ),
      !o.ok && o.diagnosis && !o.steps.some((s) => s.diagnosis) ? diagnosisView(o.diagnosis) : null,
    );
  }

  async function run(button: HTMLButtonElement, title: string, path: string, extra: Record<string, unknown>) {
    if (!checkAll()) return;
    button.disabled = true;
    put(result, h("p", {}, `${title}: working…`));
    try {
      const body = {
        ...requestSettings(),
        ...extra,
        ...(el.authentication.value === "oauth2" ? { accessToken: el.accessToken.value } : {}),
      };
      showOutcome(title, await call<Outcome>("POST", path, body));
    } catch (e) {
      const err = e as ApiError;
      showIssues(messages, err.issues ?? []);
      put(result, h("p", { class: "issue error", "data-code": err.code }, err.message));
    } finally {
      button.disabled = false;
    }
  }

  const testButton = h("button", { type: "button", id: "smtp-test" }, "Test connection");
  testButton.addEventListener("click", () => run(testButton, "Test connection", "/v1/smtp/check", {}));
  const sendButton = h("button", { type: "button", id: "smtp-send" }, "Send test email");
  sendButton.addEventListener("click", () => {
    if (!el.to.value.trim()) {
      put(result, h("p", { class: "issue error" }, "Enter the address the test email goes to."));
      el.to.focus();
      return;
    }
    run(sendButton, "Send test email", "/v1/smtp/test-email", { to: el.to.value.trim() });
  });
  /** The form as a settings write: the password only when it is being set or changed. */
  function emailSettings(): EmailSettings {
    return {
      delivery: el.delivery.value as DeliveryRoute,
      profileEmail: el.profileEmail.value.trim(),
      smtp: settings() as SmtpSettings,
      ses: { fromAddress: el.sesFromAddress.value.trim(), fromName: el.sesFromName.value },
      ...(el.authentication.value === "oauth2" && el.accessToken.value ? { smtpToken: el.accessToken.value } : {}),
    };
  }

  /** Shows saved settings in the form. */
  function showSaved(v: SettingsView) {
    version = v.version;
    el.sesFromAddress.value = v.ses.fromAddress ?? "";
    el.sesFromName.value = v.ses.fromName ?? "";
    el.delivery.value = v.delivery;
    el.profileEmail.value = v.profileEmail;
    if (v.version > 0) {
      const s = v.smtp;
      el.profile.value = s.profile ?? "generic";
      el.host.value = s.host ?? "";
      el.port.value = s.port == null ? "" : String(s.port);
      el.security.value = s.security ?? "starttls";
      el.authentication.value = s.authentication ?? "password";
      el.username.value = s.username ?? "";
      el.oauth2Provider.value = s.oauth2Provider ?? "";
      el.fromAddress.value = s.fromAddress ?? "";
      el.fromName.value = s.fromName ?? "";
      el.additionalHeaders.value = s.additionalHeaders ?? "";
      el.debug.checked = s.debug ?? false;
    }
    stored = v.passwordSet;
    savedAt = {
      host: el.host.value.trim().toLowerCase(),
      port: el.port.value.trim(),
      username: el.username.value.trim(),
    };
    el.changePassword.checked = false;
    el.password.value = "";
    syncVisibility();
  }

  /** A save without a test: the rules the backend runs on the whole settings. */
  function checkSave(): boolean {
    const r = checkDelivery();
    const smtp = r.issues
      .filter((i) => i.field.startsWith("smtp."))
      .map((i) => ({ ...i, field: i.field.slice("smtp.".length) }));
    for (const k of FIELDS) showIssues(messages, smtp, k);
    const errors = r.issues.filter((i) => i.severity === "error");
    if (errors.length) {
      put(result, h("p", { class: "issue error" }, "Fix the fields marked above first."));
      const first = errors[0].field;
      (first.startsWith("smtp.") ? el[first.slice(5) as FieldName] : null)?.focus();
      if (first === "ses.fromAddress") el.sesFromAddress.focus();
    }
    return errors.length === 0;
  }

  async function save(button: HTMLButtonElement, test: boolean) {
    if (!(test ? checkAll() : checkSave())) return;
    button.disabled = true;
    const typed = !stored || el.changePassword.checked ? el.password.value : null;
    put(result, h("p", {}, test ? "Test connection and save: working…" : "Saving…"));
    try {
      const path = test ? "/v1/settings?test=true" : "/v1/settings";
      const body = emailSettings();
      if (test) {
        const t = await call<TestedSettings>("PUT", path, body, { "if-match": `"${version}"` });
        showOutcome("Test connection and save", t.test);
        if (t.saved) {
          if (typed) storedPassword = typed;
          showSaved(t.settings);
        }
        result.append(
          h(
            "p",
            { id: "settings-saved", class: t.saved ? "ok" : "fail" },
            t.saved ? `Saved (version ${t.settings.version}).` : "Not saved: the test did not pass.",
          ),
        );
      } else {
        const v = await call<SettingsView>("PUT", path, body, { "if-match": `"${version}"` });
        if (typed) storedPassword = typed;
        showSaved(v);
        put(
          result,
          h(
            "p",
            { id: "settings-saved", class: "ok" },
            `Saved (version ${v.version}). The password is kept; tick “Change password” to replace it.`,
          ),
        );
      }
    } catch (e) {
      const err = e as ApiError;
      showIssues(
        messages,
        (err.issues ?? []).map((i) => ({ ...i, field: i.field.replace(/^smtp\./, "") })),
      );
      put(result, h("p", { class: "issue error", "data-code": err.code }, err.message));
    } finally {
      button.disabled = false;
    }
  }

  const saveButton = h("button", { type: "button", id: "smtp-save", class: "secondary" }, "Save settings");
  saveButton.addEventListener("click", () => save(saveButton, false));
  const testSaveButton = h("button", { type: "button", id: "smtp-test-save" }, "Test connection and save");
  testSaveButton.addEventListener("click", () => save(testSaveButton, true));

  const debugLog = h("ol", { id: "smtp-debug-log", class: "transcripts", "aria-live": "polite" });
  const debugButton = h("button", { type: "button", id: "smtp-debug-show", class: "secondary" }, "Show debug output");
  debugButton.addEventListener("click", async () => {
    try {
      const list = await call<SmtpTranscript[]>("GET", "/v1/settings/smtp-debug");
      put(
        debugLog,
        ...(list.length
          ? list.map(transcriptView)
          : [h("li", {}, "Nothing kept yet: tick Debug and save, then send.")]),
      );
    } catch (e) {
      const err = e as ApiError;
      put(debugLog, h("li", { class: "issue error", "data-code": err.code }, err.message));
    }
  });
  const debugRow = h(
    "div",
    { class: "check" },
    el.debug,
    h("label", { for: el.debug.id }, "Debug: write the SMTP conversation to the event log"),
  );
  const form = h(
    "form",
    {
      class: "settings",
      novalidate: true,
      "aria-labelledby": "smtp-title",
      onsubmit: (e: Event) => e.preventDefault(),
    },
    h(
      "fieldset",
      {},
      h("legend", {}, "Server"),
      field("Provider", el.provider, "Fills host, port and security, and shows the provider's notes.").wrap,
      providerNotes,
      f.host.wrap,
      h("div", { class: "row" }, f.port.wrap, f.security.wrap),
    ),
    h(
      "fieldset",
      {},
      h("legend", {}, "Authentication"),
      f.authentication.wrap,
      f.oauth2Provider.wrap,
      f.accessToken.wrap,
      f.username.wrap,
      f.password.wrap,
    ),
    h(
      "fieldset",
      {},
      h("legend", {}, "Sender"),
      f.fromAddress.wrap,
      f.fromName.wrap,
      f.additionalHeaders.wrap,
      debugRow,
      field("Rules of", el.profile, "Which product's limits apply to the fields.").wrap,
    ),
    h(
      "fieldset",
      {},
      h("legend", {}, "Delivery"),
      field("Deliver e-mail notifications using", el.delivery).wrap,
      d.profileEmail.wrap,
      d.sesFromAddress.wrap,
      d.sesFromName.wrap,
    ),
    h(
      "fieldset",
      {},
      h("legend", {}, "Try it"),
      formErrors,
      h("div", { class: "actions" }, testButton, testSaveButton, saveButton),
      field("Send a test email to", el.to).wrap,
      h("div", { class: "actions" }, sendButton),
      // Right under the buttons that make it, not below the debug output (issue 27).
      result,
    ),
    h(
      "fieldset",
      {},
      h("legend", {}, "SMTP debug output"),
      h(
        "p",
        { class: "hint" },
        "With Debug ticked and saved, each session with your server (a message, Test connection and save) is kept for 7 days, passwords hidden.",
      ),
      h("div", { class: "actions" }, debugButton),
      debugLog,
    ),
  );
  put(
    root,
    h("h2", { id: "smtp-title" }, "External SMTP server"),
    h(
      "p",
      { class: "lead" },
      "Send through your own mail server. Each field is checked as you type; nothing is sent until you test.",
    ),
    form,
  );
  syncVisibility();
  call<SettingsView>("GET", "/v1/settings").then(showSaved, (e: ApiError) =>
    put(result, h("p", { class: "issue error", "data-code": e.code }, e.message)),
  );
}

const SOURCES: Record<SmtpTranscript["source"], string> = {
  send: "Message",
  testAndSave: "Test connection and save",
};

/** One kept session: when, what, where, and each step with the server's reply. */
function transcriptView(t: SmtpTranscript): HTMLElement {
  return h(
    "li",
    { class: t.outcome.ok ? "ok" : "fail", "data-source": t.source },
    h(
      "p",
      {},
      `${new Date(t.at * 1000).toISOString()} · ${SOURCES[t.source]} · ${t.host}:${t.port}`,
      t.messageId ? ` · ${t.messageId}` : "",
    ),
    h(
      "pre",
      {},
      t.outcome.steps.map((s) => `${s.ok ? "ok  " : "FAIL"} ${STEP_NAMES[s.step] ?? s.step}: ${s.detail}`).join("\n"),
    ),
  );
}

const STEP_NAMES: Record<string, string> = {
  resolve: "Look up the host",
  connect: "Connect",
  greeting: "Server greeting",
  tls: "TLS",
  auth: "Sign in",
  "mail-from": "Sender accepted",
  send: "Message accepted",
};

export const _forTests = { uid };
