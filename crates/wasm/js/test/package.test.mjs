// The built npm package, imported by name as an application imports it (Node 20, the
// "node" condition of the exports map). Run by scripts/test after scripts/build-wasm.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import init, * as sr from "sendready";

const pkg = JSON.parse(readFileSync(new URL("../node_modules/sendready/package.json", import.meta.url)));
const codes = (r) => r.issues.map((i) => i.code);

test("init() resolves in Node and the version is the package's", async () => {
  await init();
  assert.equal(sr.version(), pkg.version);
});

test("an address with an IDN domain is normalized to A-labels", () => {
  const r = sr.checkAddress("Info@Bücher.example.com");
  assert.equal(r.valid, true);
  assert.equal(r.value.address, "Info@xn--bcher-kva.example.com");
  assert.equal(r.value.unicodeDomain, "bücher.example.com");
  assert.deepEqual(r.issues, []);
});

test("address verdicts: missing @, dotless domain, quoted local part behind an option", () => {
  assert.deepEqual(codes(sr.checkAddress("billing.example.com")), ["address-missing-at"]);
  assert.deepEqual(codes(sr.checkAddress("ops@mailhost")).length, 1);
  assert.equal(sr.checkAddress("ops@mailhost", { allowDotless: true }).valid, true);
  // localhost is special-use as well as dotless: it needs both options.
  assert.equal(sr.checkAddress("ops@localhost", { allowDotless: true }).valid, false);
  assert.equal(sr.checkAddress("ops@localhost", { allowDotless: true, allowSpecialUse: true }).valid, true);
  assert.equal(sr.checkAddress('"john doe"@example.com').valid, false);
  assert.equal(sr.checkAddress('"john doe"@example.com', { allowQuotedLocal: true }).valid, true);
});

test("unsafe Unicode gets the core's code in the browser too, naming the character", () => {
  const r = sr.checkAddress("admin\u202Emoc.evil@example.com");
  assert.deepEqual(codes(r), ["text-bidi-control"]);
  assert.match(r.issues[0].message, /U\+202E RIGHT-TO-LEFT OVERRIDE/);
  assert.deepEqual(codes(sr.checkDomain("exa\u200Bmple.com")), ["text-invisible"]);
  // A lone surrogate from a JS string arrives as U+FFFD and is reported, not lost.
  assert.deepEqual(codes(sr.checkAddress("ja\uD800red@example.com")), ["text-unreadable"]);
});

test("a host typed with a scheme and port is reported field by field", () => {
  const r = sr.checkHost("smtps://smtp.example.com:465");
  assert.equal(r.valid, false);
  assert.ok(codes(r).includes("host-has-scheme"), JSON.stringify(r.issues));
  assert.equal(sr.checkHost("127.0.0.1").valid, false);
  assert.equal(sr.checkHost("127.0.0.1", { allowPrivate: true }).valid, true);
});

test("Gmail with its account password gets the app-password rule", () => {
  const r = sr.checkSmtpSettings({
    host: "smtp.gmail.com", port: 587, security: "starttls", authentication: "password",
    username: "billing@gmail.com", password: "hunter2", fromAddress: "billing@gmail.com",
  });
  assert.ok(codes(r).includes("provider-gmail-app-password"), JSON.stringify(r.issues));
  assert.equal(r.value.port, 587);
  assert.equal(r.value.provider.id, "gmail");
});

test("implicit TLS on 587 is a security/port mismatch that names the symptom", () => {
  const r = sr.checkSmtpSettings({ host: "smtp.example.com", port: 587, security: "tls", fromAddress: "a@example.com" });
  const issue = r.issues.find((i) => i.code === "smtp-security-port-mismatch");
  assert.ok(issue, JSON.stringify(r.issues));
});

test("checkSmtpField returns only the issues of the field being typed", () => {
  const settings = { host: "http://smtp.example.com", port: 70000, fromAddress: "nope" };
  const r = sr.checkSmtpField(settings, "fromAddress");
  assert.ok(r.issues.length > 0);
  assert.ok(r.issues.every((i) => i.field === "fromAddress"), JSON.stringify(r.issues));
});

test("checkEmailSettings runs the rules PUT /v1/settings runs: the SES From under its field", () => {
  const ses = sr.checkEmailSettings({ delivery: "ses", ses: { fromAddress: "", fromName: "" } }, false);
  assert.equal(ses.valid, false);
  assert.deepEqual(ses.issues.map((i) => [i.field, i.code]), [["ses.fromAddress", "settings-ses-from-missing"]]);
  const smtp = sr.checkEmailSettings({ delivery: "externalSmtp", smtp: { host: "smtp.example.com", port: 587, username: "ann", fromAddress: "ann@example.com" } }, true);
  assert.equal(smtp.valid, true, JSON.stringify(smtp.issues));
  const unset = sr.checkEmailSettings({ delivery: "externalSmtp", smtp: { host: "smtp.example.com", port: 587, username: "ann", fromAddress: "ann@example.com" } }, false);
  assert.ok(unset.issues.some((i) => i.field === "smtp.password"), JSON.stringify(unset.issues));
});

test("a malformed settings object gets a report naming the bad field, not an exception", () => {
  const r = sr.checkSmtpSettings({ host: "smtp.example.com", port: "587" });
  assert.equal(r.valid, false);
  assert.equal(r.value, null);
  assert.deepEqual(r.issues.map((i) => [i.field, i.code]), [["port", "input-invalid"]]);
  assert.match(r.issues[0].message, /expected i64, found the string "587"/);
  const bad = sr.checkSmtpSettings({ security: "ssl/tls" });
  assert.equal(bad.issues[0].field, "security");
  assert.match(bad.issues[0].message, /"none", "ssl", "tls", "starttls"/);
});

test("tenant rules: only active users' domains, one domain identity", () => {
  const tenant = {
    activeUserEmails: ["employee@yourcompany.com"],
    identities: [{ identity: "yourcompany.com", verified: true }],
  };
  assert.ok(codes(sr.checkNewIdentity(tenant, "othercompany.com")).includes("identity-not-active-domain"));
  const second = sr.checkNewIdentity({ ...tenant, activeUserEmails: [...tenant.activeUserEmails, "a@second.com"] }, "second.com");
  assert.ok(codes(second).includes("identity-domain-limit"), JSON.stringify(second.issues));
  const ok = sr.checkNewIdentity({ activeUserEmails: ["employee@yourcompany.com"] }, "YourCompany.com", "domain");
  assert.equal(ok.valid, true, JSON.stringify(ok.issues));
  assert.equal(ok.value.identity, "yourcompany.com");
  assert.equal(sr.checkSender(tenant, "billing@yourcompany.com").value.allowed, true);
  assert.equal(sr.checkSender(tenant, "billing@else.com").value.allowed, false);
});

test("DNS records: Easy DKIM, BYODKIM splitting, MAIL FROM, zone typed twice", () => {
  const dkim = sr.easyDkimRecords("example.com", ["a1", "b2", "c3"], null, "eu-west-1");
  assert.equal(dkim.valid, true, JSON.stringify(dkim.issues));
  assert.deepEqual(dkim.value.map((r) => [r.name, r.type, r.value]), [
    ["a1._domainkey.example.com", "CNAME", "a1.dkim.amazonses.com"],
    ["b2._domainkey.example.com", "CNAME", "b2.dkim.amazonses.com"],
    ["c3._domainkey.example.com", "CNAME", "c3.dkim.amazonses.com"],
  ]);
  const mf = sr.mailFromRecords("example.com", "mail.example.com", "eu-west-1");
  assert.deepEqual(mf.value.map((r) => r.type), ["MX", "TXT"]);
  assert.equal(mf.value[0].value, "10 feedback-smtp.eu-west-1.amazonses.com");
  assert.equal(mf.value[0].priority, 10);
  const z = sr.zoneEntry("send.myapp.myapp.com", "myapp.com");
  assert.ok(codes(z).includes("zone-doubled"), JSON.stringify(z));
  const csv = sr.recordsCsv(dkim.value);
  assert.match(csv.value, /a1\._domainkey\.example\.com/);
});

test("BYODKIM TXT from a 2048-bit key is split into strings of at most 255 octets", () => {
  const key = readFileSync(new URL("./fixtures/rsa2048.pub.b64", import.meta.url), "utf8").trim();
  const r = sr.byodkimRecord("example.com", "sel1", key);
  assert.equal(r.valid, true, JSON.stringify(r.issues));
  assert.equal(r.value.name, "sel1._domainkey.example.com");
  assert.ok(r.value.strings.length >= 2);
  assert.ok(r.value.strings.every((s) => new TextEncoder().encode(s).length <= 255));
});

test("SPF merge and DMARC build", () => {
  assert.equal(sr.mergeSpfInclude("v=spf1 mx ~all", "amazonses.com").value, "v=spf1 mx include:amazonses.com ~all");
  assert.equal(sr.mergeSpfInclude(null, "amazonses.com").value, "v=spf1 include:amazonses.com ~all");
  assert.ok(codes(sr.checkSpf("v=spf1 +all")).includes("spf-plus-all"));
  const d = sr.buildDmarc("example.com", { policy: "quarantine", rua: ["dmarc@example.com"] });
  assert.equal(d.value.name, "_dmarc.example.com");
  assert.match(d.value.value, /^v=DMARC1; p=quarantine/);
  assert.equal(sr.checkDmarc(d.value.value, "example.com").valid, true);
});

test("providers, detection and the catalogue", () => {
  const list = sr.providers();
  assert.equal(list.length, 9);
  assert.ok(list.find((p) => p.id === "sendgrid"));
  assert.deepEqual(sr.detectProvider("email-smtp.eu-west-1.amazonaws.com"), { id: "aws-ses", region: "eu-west-1" });
  assert.equal(sr.detectProvider("mail.example.org"), null);
  const all = sr.codes();
  assert.ok(all.length > 150);
  assert.equal(sr.explain("zone-doubled").value.code, "zone-doubled");
  assert.deepEqual(codes(sr.explain("nope")), ["input-invalid"]);
  const v = sr.explainVerification("FAILED", "HOST_NOT_FOUND");
  assert.equal(v.value.code, "verification-host-not-found");
});

test("no export throws, whatever it is given", () => {
  const cyclic = {};
  cyclic.self = cyclic;
  const weird = [undefined, null, 42, -0.5, true, "", "x".repeat(100_000), [], {}, [1, [2]],
    { port: 1e400 }, cyclic, 10n, Symbol("s"), () => 1, new Date(0), "\u0000\ud800"];
  let calls = 0;
  for (const [name, fn] of Object.entries(sr)) {
    if (typeof fn !== "function" || name === "default" || name === "initSync") continue;
    for (const a of weird) {
      for (const b of [undefined, a]) {
        const r = fn(a, b, a, a);
        calls++;
        if (r !== null && typeof r === "object" && "valid" in r && !r.valid) {
          for (const i of r.issues) {
            assert.equal(typeof i.message, "string");
            assert.ok(i.message.length > 0);
          }
        }
      }
    }
  }
  assert.ok(calls > 500);
});

test("isAddress agrees with checkAddress(...).valid on the isemail corpus strings", () => {
  const corpora = process.env.SENDREADY_CORPORA ?? new URL("../../../../../shared/corpora", import.meta.url).pathname;
  const xml = readFileSync(`${corpora}/isemail/tests.xml`, "utf8");
  const addresses = [...xml.matchAll(/<address>([\s\S]*?)<\/address>/g)].map((m) => m[1]);
  assert.equal(addresses.length, 163); // the 164th case is the empty address, written <address/>
  addresses.push("");
  for (const a of addresses) {
    for (const opts of [undefined, { allowQuotedLocal: true, allowDomainLiteral: true, allowDotless: true }]) {
      assert.equal(sr.isAddress(a, opts), sr.checkAddress(a, opts).valid, a);
    }
  }
  assert.equal(sr.isAddress(42), false);
  assert.equal(sr.isAddress("a@example.com", { allowDotless: "yes" }), false);
});
