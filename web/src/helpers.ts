// SPF and DMARC helpers: paste the SPF record you have and get it with SES's include
// merged in; build a DMARC record from choices. All in the browser.

import { type Alignment, buildDmarc, checkDmarc, checkSpf, mergeSpfInclude, type Policy } from "sendready";

import { call, token } from "./api";
import { field, h, put } from "./dom";

export function helpersPage(root: HTMLElement) {
  // SPF
  const existing = h("textarea", {
    id: "spf-existing",
    rows: 2,
    spellcheck: "false",
    placeholder: "v=spf1 include:_spf.google.com ~all (leave empty if you have none)",
  });
  const include = h("input", { id: "spf-include", value: "amazonses.com", spellcheck: "false" });
  const spfOut = h("div", { id: "spf-out", "aria-live": "polite" });
  const spf = () => {
    const text = existing.value.trim();
    const merged = mergeSpfInclude(text === "" ? null : text, include.value.trim());
    const lint = merged.value ? checkSpf(merged.value) : null;
    put(
      spfOut,
      merged.value
        ? h(
            "div",
            { class: "result-record" },
            h("p", {}, "Publish this one TXT record (replace the old one; a domain may have only one SPF record):"),
            h("code", { id: "spf-merged" }, merged.value),
          )
        : null,
      ...[...merged.issues, ...(lint?.issues ?? [])]
        .filter((i, n, all) => all.findIndex((j) => j.code === i.code && j.message === i.message) === n)
        .map((i) => h("p", { class: `issue ${i.severity}`, "data-code": i.code }, i.message)),
    );
  };
  existing.addEventListener("input", spf);
  include.addEventListener("input", spf);

  // DMARC
  // Starts at the tenant's own domain identity when signed in, not at an example.
  const domain = h("input", { id: "dmarc-domain", placeholder: "yourcompany.com", spellcheck: "false" });
  const policy = h(
    "select",
    { id: "dmarc-policy" },
    ...(["none", "quarantine", "reject"] as Policy[]).map((p) => h("option", { value: p }, p)),
  );
  const rua = h("input", {
    id: "dmarc-rua",
    type: "email",
    spellcheck: "false",
    placeholder: "dmarc-reports@yourcompany.com",
  });
  const adkim = h(
    "select",
    { id: "dmarc-adkim" },
    ...(["relaxed", "strict"] as Alignment[]).map((a) => h("option", { value: a }, a)),
  );
  const aspf = h(
    "select",
    { id: "dmarc-aspf" },
    ...(["relaxed", "strict"] as Alignment[]).map((a) => h("option", { value: a }, a)),
  );
  const testing = h("input", { id: "dmarc-testing", type: "checkbox" });
  const dmarcOut = h("div", { id: "dmarc-out", "aria-live": "polite" });
  const dmarc = () => {
    const addresses = rua.value.split(/[,\s]+/).filter(Boolean);
    const r = buildDmarc(domain.value.trim(), {
      policy: policy.value as Policy,
      adkim: adkim.value as Alignment,
      aspf: aspf.value as Alignment,
      rua: addresses,
      testing: testing.checked,
    });
    const lint = r.value ? checkDmarc(r.value.value, domain.value.trim()) : null;
    put(
      dmarcOut,
      r.value
        ? h(
            "div",
            { class: "result-record" },
            h("p", {}, "Publish this TXT record at ", h("code", {}, r.value.name)),
            h("code", { id: "dmarc-record" }, r.value.value),
          )
        : null,
      // The builder's and the lint's advice, each once.
      ...[...r.issues, ...(lint?.issues ?? [])]
        .filter((i, n, all) => all.findIndex((j) => j.code === i.code && j.message === i.message) === n)
        .map((i) => h("p", { class: `issue ${i.severity}`, "data-code": i.code }, i.message)),
    );
  };
  for (const c of [domain, policy, rua, adkim, aspf, testing]) c.addEventListener("input", dmarc);
  for (const c of [policy, adkim, aspf, testing]) c.addEventListener("change", dmarc);

  put(
    root,
    h("h2", {}, "SPF and DMARC helpers"),
    h(
      "section",
      { "aria-labelledby": "spf-title" },
      h("h3", { id: "spf-title" }, "SPF: add SES to the record you have"),
      field("Your current SPF record", existing).wrap,
      field(
        "Include",
        include,
        "SES's SPF include is amazonses.com; with a custom MAIL FROM domain it goes on that domain.",
      ).wrap,
      spfOut,
    ),
    h(
      "section",
      { "aria-labelledby": "dmarc-title" },
      h("h3", { id: "dmarc-title" }, "DMARC: build a record"),
      field("Domain", domain).wrap,
      h(
        "div",
        { class: "row" },
        field("Policy", policy, "Start with none, watch the reports, then tighten.").wrap,
        field("DKIM alignment", adkim).wrap,
        field("SPF alignment", aspf).wrap,
      ),
      field("Send aggregate reports to", rua, "Addresses, comma-separated.").wrap,
      h("div", { class: "check" }, testing, h("label", { for: "dmarc-testing" }, "Testing mode (t=y)")),
      dmarcOut,
    ),
  );
  spf();
  dmarc();
  if (token()) {
    call<{ identity: string; kind: string }[]>("GET", "/v1/identities").then(
      (list) => {
        const own = list.find((i) => i.kind === "domain");
        if (own && !domain.value) {
          domain.value = own.identity;
          rua.placeholder = `dmarc-reports@${own.identity}`;
          dmarc();
        }
      },
      () => {},
    );
  }
}
