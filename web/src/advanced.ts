// Advanced SMTP (the platform's Amazon SES with the tenant's verified domain or address):
// the identities table, "Add identity" with the tenant rules checked before the request,
// each identity's DNS records (copy, CSV, Route 53), live DNS checks, retry, SES test
// mail with the mailbox simulator, a custom MAIL FROM domain (checked as typed by the same
// rule the backend runs), "may this address send?", and the tenant's sending reputation:
// its SES tenant, the bounce and complaint rates with SES's review levels, and the recent
// events SES published.

import {
  checkNewIdentity,
  checkSender,
  type Diagnosis,
  type DnsRecord,
  explain,
  type IdentityHistory,
  type IdentityView,
  type Issue,
  type MxFailure,
  mailFromRecords,
  type PolicyView,
  type Published,
  type RecordView,
  type Report,
  recordsCsv,
  type SenderDecision,
  type Sent,
  type SesEvent,
  type SpfLive,
  type TenantView,
  type Verification,
} from "sendready";

import { ApiError, call } from "./api";
import { copyButton, field, h, put } from "./dom";
import { diagnosisView } from "./views";

/** SES's status words as the seeds show them: Pending, Success, Failed. */
export function statusWord(s: string | undefined | null): string {
  switch ((s ?? "").toUpperCase()) {
    case "SUCCESS":
      return "Success";
    case "FAILED":
    case "TEMPORARY_FAILURE":
      return "Failed";
    case "NOT_STARTED":
      return "Not started";
    case "":
      return "—";
    default:
      return "Pending";
  }
}

const SCENARIOS: [string, string][] = [
  ["success", "Delivered (success@simulator.amazonses.com)"],
  ["bounce", "Hard bounce"],
  ["complaint", "Complaint"],
  ["ooto", "Out-of-office reply"],
  ["suppressionlist", "On the suppression list"],
];

/** How often statuses SES is still working on are read again. */
const REFRESH_MS = 5_000;
const MAX_REFRESH_MS = 300_000;

export function advancedPage(root: HTMLElement) {
  let tenant: TenantView | null = null;
  let identities: IdentityView[] = [];
  // The identity whose records are open, kept in this tab so coming back to the page
  // shows them again without a click (issue 27).
  const SELECTED = "sendready.selected";
  let selected: string | null = sessionStorage.getItem(SELECTED);
  const select = (identity: string | null) => {
    selected = identity;
    if (identity) sessionStorage.setItem(SELECTED, identity);
    else sessionStorage.removeItem(SELECTED);
  };
  // The last result shown under the selected identity, kept across re-renders.
  let lastResult: { identity: string; nodes: Node[] } | null = null;
  let checkCount = 0; // numbers each "Check DNS now" result (data-seq)

  const status = h("div", { class: "msg", id: "adv-status", "aria-live": "polite" });
  const reputation = h("section", { id: "reputation", "aria-labelledby": "reputation-title", "aria-live": "polite" });
  const eventsList = h("ol", { id: "events", class: "events" });
  const eventsRefresh = h("button", { type: "button", id: "events-refresh", class: "secondary" }, "Refresh");
  // The rates live in the tenant view; the identities need no reload for them.
  eventsRefresh.addEventListener("click", async () => {
    try {
      tenant = await call<TenantView>("GET", "/v1/tenant");
      await renderReputation();
    } catch (e) {
      showError(status, e);
    }
  });
  const table = h("div", { id: "identities" });
  const detail = h("section", { id: "identity-detail", "aria-live": "polite" });

  // Add identity, with the tenant rules run on every keystroke.
  const newId = h("input", {
    id: "new-identity",
    autocomplete: "off",
    spellcheck: "false",
    placeholder: "yourcompany.com or billing@yourcompany.com",
  });
  const dkim = h(
    "select",
    { id: "new-identity-dkim" },
    h("option", { value: "easy" }, "Easy DKIM (SES keeps the key)"),
    h("option", { value: "byodkim" }, "Bring your own DKIM key (the backend makes one)"),
  );
  const add = h("button", { type: "submit", id: "add-identity", disabled: true }, "Add identity");
  const newField = field(
    "Domain or email address",
    newId,
    "A domain of one of your active users, or one of their addresses.",
  );
  const dkimField = field("DKIM signing (domains)", dkim);
  const addForm = h(
    "form",
    {
      class: "inline",
      "aria-labelledby": "add-title",
      onsubmit: (e: Event) => {
        e.preventDefault();
        create();
      },
    },
    h("h3", { id: "add-title" }, "Add identity"),
    newField.wrap,
    dkimField.wrap,
    h("div", { class: "actions" }, add),
  );

  function rulesCheck(): boolean {
    const v = newId.value.trim();
    if (!tenant || v === "") {
      put(newField.msg);
      add.disabled = true;
      return false;
    }
    const r = checkNewIdentity(tenant, v);
    put(
      newField.msg,
      ...r.issues.map((i) => h("p", { class: `issue ${i.severity}`, "data-code": i.code }, i.message)),
      r.valid && r.value ? h("p", { class: "ok" }, `Allowed: ${r.value.kind} identity, ${r.value.allowedBy}.`) : null,
    );
    newId.setAttribute("aria-invalid", String(!r.valid));
    dkimField.wrap.hidden = !v.includes("@") ? false : true;
    add.disabled = !r.valid;
    return r.valid;
  }
  newId.addEventListener("input", rulesCheck);

  async function create() {
    if (!rulesCheck()) return;
    add.disabled = true;
    const identity = newId.value.trim();
    try {
      const body: Record<string, unknown> = { identity };
      if (!identity.includes("@")) body.dkim = dkim.value;
      const v = await call<IdentityView>("POST", "/v1/identities", body);
      newId.value = "";
      put(newField.msg, h("p", { class: "ok" }, `${v.identity} added. Publish its records next.`));
      select(v.identity);
      await load();
    } catch (e) {
      showError(newField.msg, e);
      add.disabled = false;
    }
  }

  // May this address send?
  const from = h("input", {
    id: "sender-from",
    type: "email",
    spellcheck: "false",
    placeholder: "billing@yourcompany.com",
  });
  const senderField = field("From address", from);
  const ask = h("button", { type: "button", id: "sender-ask", class: "secondary" }, "Ask SES now");
  from.addEventListener("input", () => {
    if (!tenant || !from.value.trim()) return put(senderField.msg);
    const r = checkSender(tenant, from.value.trim());
    put(
      senderField.msg,
      ...r.issues.map(issueView),
      r.value
        ? h(
            "p",
            { class: r.value.allowed ? "ok" : "issue error", id: "sender-verdict" },
            r.value.allowed
              ? `Yes: covered by the verified identity ${r.value.identity}.`
              : "No: no verified identity covers this address.",
          )
        : null,
    );
  });
  ask.addEventListener("click", async () => {
    try {
      const r = await call<Report<SenderDecision>>("POST", "/v1/sender/check", { from: from.value.trim() });
      put(
        senderField.msg,
        ...r.issues.map(issueView),
        r.value
          ? h(
              "p",
              { class: r.value.allowed ? "ok" : "issue error", id: "sender-verdict" },
              r.value.allowed ? `Yes (SES): ${r.value.identity}.` : "No (SES): no verified identity covers it.",
            )
          : null,
      );
    } catch (e) {
      showError(senderField.msg, e);
    }
  });

  async function load() {
    try {
      [tenant, identities] = await Promise.all([
        call<TenantView>("GET", "/v1/tenant"),
        call<IdentityView[]>("GET", "/v1/identities"),
      ]);
      put(
        status,
        `Tenant ${tenant.tenant}: ${identities.length} identit${identities.length === 1 ? "y" : "ies"} (at most ${tenant.maxDomainIdentities} domain and ${tenant.maxEmailIdentities} email addresses).`,
      );
      renderTable();
      renderReputation();
      rulesCheck();
      // The one open before, or the only one there is.
      const sel =
        identities.find((i) => i.identity === selected) ?? (identities.length === 1 ? identities[0] : undefined);
      if (sel) {
        if (selected !== sel.identity) {
          select(sel.identity);
          renderTable();
        }
        renderDetail(sel);
      } else put(detail);
    } catch (e) {
      showError(status, e);
    }
    scheduleRefresh();
  }

  // Statuses that update themselves: while SES is still looking (an identity, its DKIM or
  // its MAIL FROM domain pending), the identities are read again, after a few seconds and
  // then ever less often while nothing changes (at most every 5 minutes); the table and
  // the open identity change when a status does, never under a field being typed.
  let refreshTimer: number | undefined;
  let refreshDelay = REFRESH_MS;
  const stillLooking = (i: IdentityView) =>
    [i.verificationStatus, i.dkim?.status, i.mailFrom?.status].some(
      (s) => s === "PENDING" || s === "TEMPORARY_FAILURE",
    );
  const statusKey = (list: IdentityView[]) =>
    list.map((i) => `${i.identity}|${i.verificationStatus}|${i.dkim?.status}|${i.mailFrom?.status}`).join(",");
  function scheduleRefresh() {
    window.clearTimeout(refreshTimer);
    if (identities.some(stillLooking)) refreshTimer = window.setTimeout(refresh, refreshDelay);
  }
  async function refresh() {
    if (!root.isConnected) return;
    try {
      const fresh = await call<IdentityView[]>("GET", "/v1/identities");
      const changed = statusKey(fresh) !== statusKey(identities);
      identities = fresh;
      refreshDelay = changed ? REFRESH_MS : Math.min(refreshDelay * 2, MAX_REFRESH_MS);
      if (changed) {
        renderTable();
        const typing = document.activeElement?.matches("input, textarea, select") ?? false;
        const sel = identities.find((i) => i.identity === selected);
        if (sel && !(typing && detail.contains(document.activeElement))) renderDetail(sel);
      }
    } catch {
      // The next refresh tries again.
    }
    scheduleRefresh();
  }

  /** The SES tenant, the rates with SES's review levels, and the recent events. */
  async function renderReputation() {
    const t = tenant;
    if (!t) return;
    const pct = (n: number, digits: number) => `${n.toFixed(digits)} %`;
    put(
      reputation,
      h("h3", { id: "reputation-title" }, "Sending reputation"),
      t.ses
        ? h(
            "p",
            { id: "ses-tenant" },
            `SES tenant ${t.ses.tenantName}: sending ${t.ses.sendingStatus.toLowerCase()}`,
            t.ses.reputationPolicy ? `, reputation policy ${t.ses.reputationPolicy}` : "",
            t.ses.reputationImpact ? `, latest findings ${t.ses.reputationImpact.toLowerCase()} impact` : "",
            ".",
          )
        : h("p", { id: "ses-tenant" }, "Your SES tenant is made with your first identity."),
      h(
        "div",
        { class: "scroll" },
        h(
          "table",
          { id: "rates" },
          h(
            "thead",
            {},
            h(
              "tr",
              {},
              ...["Window", "Sent", "Delivered", "Bounced", "Complaints"].map((c) => h("th", { scope: "col" }, c)),
            ),
          ),
          h(
            "tbody",
            {},
            ...(t.rates ?? []).map((r) =>
              h(
                "tr",
                { "data-window": r.window },
                h("th", { scope: "row" }, r.window === "24h" ? "Last 24 hours" : "Last 7 days"),
                h("td", {}, String(r.counts.sent)),
                h("td", {}, String(r.counts.delivered)),
                h("td", { "data-col": "bounce-rate" }, `${r.counts.bounced} (${pct(r.bounceRate, 1)})`),
                h("td", { "data-col": "complaint-rate" }, `${r.counts.complained} (${pct(r.complaintRate, 2)})`),
              ),
            ),
          ),
        ),
      ),
      h("p", { class: "hint" }, "SES reviews an account at a 5 % bounce rate or a 0.1 % complaint rate."),
      // One line per code: the 24-hour window's, which comes first.
      ...(t.warnings ?? [])
        .filter((w, n, all) => all.findIndex((x) => x.code === w.code) === n)
        .map((w) => {
          const e = explain(w.code).value?.explanation;
          return h("p", { class: "issue warning", "data-code": w.code }, w.message, e ? ` ${e.cause} ${e.action}` : "");
        }),
      h("h4", {}, "Recent events"),
      h("div", { class: "actions" }, eventsRefresh),
      eventsList,
    );
    try {
      const events = await call<SesEvent[]>("GET", "/v1/events");
      put(
        eventsList,
        ...(events.length
          ? events.map((e) =>
              h(
                "li",
                { "data-kind": e.kind },
                `${e.at} · ${e.kind} · ${e.recipients.join(", ")}`,
                e.detail ? ` · ${e.detail}` : "",
                ` · ${e.identity}`,
              ),
            )
          : [h("li", {}, "No events yet: they appear here a few seconds after SES sends.")]),
      );
    } catch (e) {
      showError(eventsList, e);
    }
  }

  function renderTable() {
    if (identities.length === 0) {
      put(table, h("p", { class: "empty" }, "No identities yet. Add your domain below."));
      return;
    }
    put(
      table,
      h(
        "table",
        { class: "identities" },
        h("caption", {}, "Your identities"),
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            ...["Identity", "Type", "Verification Status", "DKIM Status", ""].map((c) => h("th", { scope: "col" }, c)),
          ),
        ),
        h(
          "tbody",
          {},
          ...identities.map((i) => {
            const ver = statusWord(i.verificationStatus);
            const dk = i.kind === "domain" ? statusWord(i.dkim?.status) : "—";
            const open = h(
              "button",
              { type: "button", class: "link", "aria-expanded": String(selected === i.identity) },
              "DNS records and tests",
            );
            open.addEventListener("click", () => {
              select(i.identity);
              renderTable();
              renderDetail(i);
              detail.querySelector("h3")?.focus();
            });
            return h(
              "tr",
              { "data-identity": i.identity },
              h("th", { scope: "row" }, i.identity),
              h("td", { "data-label": "Type" }, i.kind === "domain" ? "Domain" : "Email address"),
              h(
                "td",
                {
                  class: `status ${ver.toLowerCase()}`,
                  "data-col": "verification",
                  "data-label": "Verification Status",
                },
                ver,
              ),
              h("td", { class: `status ${dk.toLowerCase()}`, "data-col": "dkim", "data-label": "DKIM Status" }, dk),
              h("td", {}, open),
            );
          }),
        ),
      ),
    );
  }

  function renderDetail(i: IdentityView) {
    // Each result beside the controls that made it (issue 27): the DNS actions', MAIL
    // FROM's and the SES test email's.
    const out = h("div", { id: "detail-out", "aria-live": "polite" });
    const mfOut = h("div", { id: "mail-from-out", "aria-live": "polite" });
    const sendOut = h("div", { id: "ses-send-out", "aria-live": "polite" });
    if (lastResult?.identity === i.identity) out.append(...lastResult.nodes);
    // Results stay put when the table reloads.
    new MutationObserver(() => (lastResult = { identity: i.identity, nodes: [...out.childNodes] })).observe(out, {
      childList: true,
    });
    const zone = h(
      "select",
      { id: "publish-zone" },
      ...(tenant?.hostedZones ?? []).map((z) => h("option", { value: z.id }, `${z.name} (${z.id})`)),
    );
    const publish = h("button", { type: "button", id: "publish" }, "Publish to Route 53");
    const checkNow = h("button", { type: "button", id: "check-dns" }, "Check DNS now");
    const policyCheck = h("button", { type: "button", id: "policy-check", class: "secondary" }, "Check SPF and DMARC");
    policyCheck.addEventListener("click", () =>
      busy(policyCheck, async () => {
        const p = await call<PolicyView>("GET", `/v1/identities/${encodeURIComponent(i.identity)}/policy`);
        put(out, policyView(p));
      }),
    );
    const retry = h("button", { type: "button", id: "retry", class: "secondary" }, "Retry");
    const del = h("button", { type: "button", id: "delete-identity", class: "danger" }, "Delete identity");
    const scenario = h(
      "select",
      { id: "ses-scenario" },
      ...SCENARIOS.map(([v, l]) => h("option", { value: v }, l)),
      h("option", { value: "" }, "A real recipient…"),
    );
    const to = h("input", { id: "ses-to", type: "email", placeholder: "you@yourcompany.com" });
    const toField = field("Recipient", to);
    toField.wrap.hidden = true;
    const fromAddr = h("input", {
      id: "ses-from",
      type: "email",
      value: i.kind === "email" ? i.identity : `no-reply@${i.identity}`,
    });
    const send = h("button", { type: "button", id: "ses-send" }, "Send test email");
    // Custom MAIL FROM: the subdomain checked as typed by the rule the backend runs.
    const mfDomain = h("input", {
      id: "mail-from-domain",
      spellcheck: "false",
      placeholder: `bounce.${i.identity}`,
      value: i.mailFrom?.domain ?? "",
    });
    const mfField = field("MAIL FROM subdomain", mfDomain, "A subdomain that receives no mail.");
    const mfBehavior = h(
      "select",
      { id: "mail-from-behavior" },
      h("option", { value: "USE_DEFAULT_VALUE" }, "If its MX is missing, send with amazonses.com"),
      h("option", { value: "REJECT_MESSAGE" }, "If its MX is missing, reject the message"),
    );
    if (i.mailFrom) mfBehavior.value = i.mailFrom.behaviorOnMxFailure;
    const mfSet = h("button", { type: "button", id: "mail-from-set" }, "Set MAIL FROM domain");
    const mfCheck = () => {
      const r = mailFromRecords(i.identity, mfDomain.value.trim(), "us-east-1");
      put(
        mfField.msg,
        ...r.issues
          .filter((x) => x.field === "mailFromDomain" && x.severity !== "hint")
          .map((x) => h("p", { class: `issue ${x.severity}`, "data-code": x.code }, x.message)),
      );
      return r.valid;
    };
    mfDomain.addEventListener("input", mfCheck);
    mfSet.addEventListener("click", () =>
      busy(
        mfSet,
        async () => {
          if (!mfCheck()) return;
          const v = await call<IdentityView>("PUT", `/v1/identities/${encodeURIComponent(i.identity)}/mail-from`, {
            mailFromDomain: mfDomain.value.trim(),
            behaviorOnMxFailure: mfBehavior.value as MxFailure,
          });
          identities = identities.map((x) => (x.identity === v.identity ? v : x));
          renderDetail(v);
          scheduleRefresh();
        },
        mfOut,
      ),
    );
    scenario.addEventListener("change", () => (toField.wrap.hidden = scenario.value !== ""));

    const busy = async (b: HTMLButtonElement, f: () => Promise<void>, where: HTMLElement = out) => {
      b.disabled = true;
      try {
        await f();
      } catch (e) {
        showError(where, e);
      } finally {
        b.disabled = false;
      }
    };
    publish.addEventListener("click", () =>
      busy(publish, async () => {
        const r = await call<Published>("POST", `/v1/identities/${encodeURIComponent(i.identity)}/dns`, {
          hostedZoneId: zone.value,
          includeSuggestions: true,
        });
        put(
          out,
          h(
            "p",
            { class: "ok", id: "publish-result" },
            r.created === 0
              ? `Every record is already in ${r.zone}; nothing was changed. “Check DNS now” looks them up.`
              : `Created ${r.created} record${r.created === 1 ? "" : "s"} in ${r.zone} (change ${r.status}); ${r.records.length - r.created} already there were kept. “Check DNS now” looks them up.`,
          ),
          ...r.skipped.map((k) =>
            h("p", { class: "hint", "data-skipped": k.record.name }, `Not published: ${k.reason}`),
          ),
        );
      }),
    );
    const verify = (b: HTMLButtonElement) =>
      busy(b, async () => {
        const v = await call<Verification>("POST", `/v1/identities/${encodeURIComponent(i.identity)}/verify`);
        put(
          out,
          h("h4", {}, "Live DNS"),
          h(
            "ul",
            { class: "checks", id: "dns-checks", "data-seq": ++checkCount },
            ...v.checks.map((c) =>
              h(
                "li",
                { class: c.ok ? "ok" : "fail", "data-code": c.code },
                h("span", { class: "mark", "aria-hidden": "true" }, c.ok ? "✓" : "✗"),
                ` ${c.record.type} ${c.record.name}: `,
                c.message,
                c.required ? null : h("span", { class: "hint" }, " (suggested)"),
              ),
            ),
          ),
          h(
            "p",
            { class: v.allRequiredFound ? "ok" : "issue warning" },
            v.allRequiredFound ? "Every required record is in place." : "Some required records are not in place yet.",
          ),
          v.retry ? h("p", { class: "hint", id: "retry-result" }, v.retry) : null,
          diagnosisView(v.verification),
        );
        await load();
      });
    checkNow.addEventListener("click", () => verify(checkNow));
    retry.addEventListener("click", () => verify(retry));
    del.addEventListener("click", () =>
      busy(del, async () => {
        if (!confirm(`Delete ${i.identity} from SES? Mail from it stops.`)) return;
        await call("DELETE", `/v1/identities/${encodeURIComponent(i.identity)}`);
        select(null);
        await load();
      }),
    );
    send.addEventListener("click", () =>
      busy(
        send,
        async () => {
          const body = scenario.value
            ? { from: fromAddr.value, scenario: scenario.value }
            : { from: fromAddr.value, to: to.value };
          const r = await call<Sent>("POST", `/v1/identities/${encodeURIComponent(i.identity)}/test-email`, body);
          put(
            sendOut,
            h(
              "p",
              { class: r.ok ? "ok" : "issue error", id: "ses-result" },
              r.ok ? `SES accepted the message to ${r.to} (id ${r.messageId}).` : `SES refused the message to ${r.to}.`,
            ),
            r.sandbox === true
              ? h("p", { class: "hint" }, "The account is in the SES sandbox: real recipients must be verified too.")
              : null,
            r.diagnosis ? diagnosisView(r.diagnosis) : null,
          );
        },
        sendOut,
      ),
    );

    const csv = h("button", { type: "button", id: "download-csv", class: "secondary" }, "Download CSV");
    csv.addEventListener("click", () => {
      const r = recordsCsv(i.records.map(({ zoneEntry: _z, required: _r, ...record }) => record));
      if (!r.value)
        return showError(out, new ApiError(0, r.issues[0]?.code ?? "csv", r.issues[0]?.message ?? "No CSV", []));
      const a = h("a", {
        href: URL.createObjectURL(new Blob([r.value], { type: "text/csv" })),
        download: `${i.identity}-dns-records.csv`,
      });
      a.click();
      URL.revokeObjectURL(a.href);
    });

    put(
      detail,
      h("h3", { tabindex: -1 }, i.identity),
      h(
        "p",
        {},
        h("strong", {}, "Verification: "),
        statusWord(i.verificationStatus),
        ". ",
        i.verification.cause,
        " ",
        i.verification.action,
      ),
      i.dkim
        ? h(
            "p",
            {},
            h("strong", {}, "DKIM: "),
            statusWord(i.dkim.status),
            ". ",
            i.dkim.explanation.cause,
            " ",
            i.dkim.explanation.action,
          )
        : null,
      i.records.length
        ? recordsTable(i.records)
        : h(
            "p",
            {},
            i.kind === "email"
              ? "An email identity needs no DNS records: SES sends a link to the address; open it to verify."
              : "SES has not given the DKIM records yet; reload in a minute.",
          ),
      h("div", { class: "actions" }, i.records.length ? csv : null),
      i.records.length && tenant?.hostedZones.length
        ? h("div", { class: "row" }, field("Hosted zone", zone).wrap, h("div", { class: "actions" }, publish))
        : null,
      h("div", { class: "actions" }, checkNow, i.kind === "domain" ? policyCheck : null, retry, del),
      out,
      i.kind === "domain" ? h("h4", {}, "Custom MAIL FROM domain") : null,
      i.mailFrom
        ? h(
            "p",
            { id: "mail-from-status", "data-status": i.mailFrom.status },
            h("strong", {}, `${i.mailFrom.domain}: `),
            statusWord(i.mailFrom.status),
            ". ",
            i.mailFrom.explanation,
          )
        : null,
      i.kind === "domain"
        ? h("div", { class: "row" }, mfField.wrap, field("When its MX is missing", mfBehavior).wrap)
        : null,
      i.kind === "domain" ? h("div", { class: "actions" }, mfSet) : null,
      mfOut,
      historySection(i),
      h("h4", {}, "Send a test email through SES"),
      h("div", { class: "row" }, field("From", fromAddr).wrap, field("To", scenario).wrap, toField.wrap),
      h("div", { class: "actions" }, send),
      sendOut,
    );
  }

  put(
    root,
    h("h2", {}, "Advanced SMTP: send through Amazon SES with your domain"),
    h(
      "p",
      { class: "lead" },
      "Verify your domain (or one address) with SES. Add it, publish the DNS records it shows, then check DNS.",
    ),
    status,
    table,
    detail,
    addForm,
    reputation,
    h(
      "section",
      { "aria-labelledby": "sender-title" },
      h("h3", { id: "sender-title" }, "May this address send?"),
      senderField.wrap,
      h("div", { class: "actions" }, ask),
    ),
  );
  load();
}

/**
 * Verification that tracks itself: what Sendready's tracker recorded for the identity and
 * what it announced (EventBridge and the platform's webhook). Read again every few
 * seconds while the tracker has not yet seen SES's current status, or an announcement
 * waits to be delivered.
 */
function historySection(i: IdentityView): HTMLElement {
  const box = h("section", { id: "history", "aria-live": "polite" }, h("h4", {}, "Verification history"));
  let tries = 0;
  async function fill() {
    if (tries > 0 && !box.isConnected) return;
    tries += 1;
    try {
      const hist = await call<IdentityHistory>("GET", `/v1/identities/${encodeURIComponent(i.identity)}/history`);
      put(box, h("h4", {}, "Verification history"), historyView(hist));
      const behind = hist.tracked && (hist.status !== i.verificationStatus || hist.waitingAnnouncements > 0);
      if (behind && tries < 60) window.setTimeout(fill, REFRESH_MS);
    } catch (e) {
      const msg = h("p", {});
      showError(msg, e);
      put(box, h("h4", {}, "Verification history"), msg);
    }
  }
  fill();
  return box;
}

/** The tracker's state and each recorded change, newest first. */
export function historyView(hist: IdentityHistory): HTMLElement {
  const when = (iso: string) => new Date(iso).toLocaleString();
  return h(
    "div",
    {},
    h(
      "p",
      { id: "history-tracking" },
      hist.tracked
        ? `Sendready checks this identity again by itself${hist.nextCheckAt ? `; next check ${when(hist.nextCheckAt)}` : ""}. Each change is announced to your platform.`
        : "Not tracked: Check DNS now starts tracking again.",
      hist.waitingAnnouncements > 0 ? ` ${hist.waitingAnnouncements} announcement(s) wait to be delivered.` : "",
    ),
    hist.changes.length
      ? h(
          "ul",
          { id: "history-changes" },
          ...hist.changes.map((c) =>
            h(
              "li",
              { "data-announced": c.announcedAs ?? "" },
              h("time", { datetime: c.at }, when(c.at)),
              ": ",
              c.from
                ? `${statusWord(c.from)} → ${statusWord(c.status)}`
                : c.records.length
                  ? `records changed (${statusWord(c.status)})`
                  : `${statusWord(c.status)} at the first look`,
              c.records.length
                ? ` · ${c.records.map((r) => `${r.record}: ${r.from ?? "new"} → ${r.to ?? "gone"}`).join("; ")}`
                : "",
              c.announcedAs ? h("strong", {}, ` · announced: ${c.announcedAs}`) : "",
            ),
          ),
        )
      : h("p", {}, "No change recorded yet."),
  );
}

/** The records table: the name to type at the DNS host, type, value, copy buttons. */
export function recordsTable(records: RecordView[]): HTMLElement {
  return h(
    "table",
    { class: "records", id: "records" },
    h("caption", {}, "DNS records to publish"),
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        ...["Name (type this at your DNS host)", "Type", "Value", ""].map((c) => h("th", { scope: "col" }, c)),
      ),
    ),
    h(
      "tbody",
      {},
      ...records.map((r) => {
        const host = r.zoneEntry?.hostField ?? r.name;
        const copyName = copyButton(host, "Copy name", {
          class: "secondary small",
          "aria-label": `Copy name ${host}`,
        });
        const copyValue = copyButton(r.value, "Copy value", {
          class: "secondary small",
          "aria-label": `Copy value of ${host}`,
        });
        const doubled =
          r.zoneEntry && r.zoneEntry.hostField !== "@"
            ? `${r.zoneEntry.hostField}.${r.zoneEntry.zone}.${r.zoneEntry.zone}`
            : null;
        return h(
          "tr",
          { "data-type": r.type },
          h(
            "td",
            {},
            h("code", {}, host),
            doubled
              ? h(
                  "p",
                  { class: "hint warn" },
                  `Type only “${host}”: most DNS hosts add “${r.zoneEntry!.zone}” themselves, and the full name would become ${doubled}.`,
                )
              : null,
            r.required ? null : h("p", { class: "hint" }, "Suggested, not required for verification."),
          ),
          h("td", {}, r.type),
          h("td", { class: "value" }, h("code", {}, r.value)),
          h("td", {}, copyName, copyValue),
        );
      }),
    ),
  );
}

/** A record to publish, with a copy button. */
function publishLine(label: string, text: string, id: string): HTMLElement {
  return h("p", { id }, h("strong", {}, label), " ", h("code", {}, text), " ", copyButton(text, "Copy"));
}

/** One domain's SPF as live DNS has it. */
function spfView(title: string, s: SpfLive, id: string): HTMLElement {
  return h(
    "section",
    { id, "data-includes-amazonses": String(s.includesAmazonses) },
    h("h5", {}, `${title}: ${s.domain}`),
    h(
      "p",
      {},
      s.records.length ? `Published: ${s.records.join(" | ")}. ` : "No SPF record. ",
      `${s.lookups} of 10 DNS lookups, ${s.voidLookups} of 2 void. `,
      s.includesAmazonses ? "Amazon SES may send: include:amazonses.com is reached." : "",
    ),
    ...s.issues.filter((x) => x.severity !== "hint").map(issueView),
    s.toPublish ? publishLine("Publish as the one SPF record:", s.toPublish, `${id}-publish`) : null,
  );
}

/** SPF of the domain and its MAIL FROM domain, and DMARC, as live DNS has them. */
function policyView(p: PolicyView): HTMLElement {
  const d = p.dmarc;
  return h(
    "section",
    { id: "policy-result" },
    h("h4", {}, "SPF and DMARC in live DNS"),
    spfView("SPF", p.spf, "policy-spf"),
    p.mailFromSpf ? spfView("SPF of the MAIL FROM domain", p.mailFromSpf, "policy-mail-from-spf") : null,
    h(
      "section",
      { id: "policy-dmarc" },
      h("h5", {}, `DMARC: ${d.domain}`),
      d.foundAt ? h("p", {}, `Found at ${d.foundAt}: `, h("code", {}, d.record ?? "")) : null,
      ...d.issues.map(issueView),
      d.toPublish ? publishLine(`Publish at ${d.toPublish.name}:`, d.toPublish.value, "policy-dmarc-publish") : null,
    ),
  );
}

function issueView(i: Issue) {
  return h("p", { class: `issue ${i.severity}`, "data-code": i.code }, i.message);
}

/** An API or network error beside where the person acted, with the catalogue's words. */
/** True when a problem's detail only repeats one of its issues (`to: <message>`). */
function repeats(err: ApiError): boolean {
  return err.issues.some((i) => err.message === `${i.field}: ${i.message}` || err.message === i.message);
}

export function showError(el: HTMLElement, e: unknown) {
  // An exception in the page itself is a fault on Sendready's side: internal-error.
  const err = e instanceof ApiError ? e : new ApiError(0, "internal-error", String(e), []);
  const info = err.code !== "network" && err.code !== "bad-response" ? explain(err.code) : null;
  put(
    el,
    h(
      "div",
      { class: "issue error", role: "alert", "data-code": err.code },
      // One sentence once: the detail of a refused field is its issue again, and the
      // code's summary only restates it.
      repeats(err) ? null : h("p", {}, err.message),
      ...err.issues.map(issueView),
      info?.value && !err.issues.length && info.value.summary !== err.message
        ? h("p", { class: "hint" }, info.value.summary)
        : null,
    ),
  );
}
