// A small consumer of the package's generated types, compiled by `tsc --noEmit` in
// scripts/test. It fails to compile if the .d.ts loses a type, a field or a function, and
// the @ts-expect-error lines fail it if the types grow too loose to catch a mistake.
import init, {
  checkSmtpSettings,
  checkSmtpField,
  checkAddress,
  checkNewIdentity,
  easyDkimRecords,
  providers,
  diagnose,
  type Code,
  type Issue,
  type Report,
  type SmtpConfig,
  type SmtpSettings,
  type Tenant,
  type DnsRecord,
  type Preset,
} from "sendready";

await init();

const settings: Partial<SmtpSettings> = { host: "smtp.example.com", port: 587, security: "starttls" };
const report: Report<SmtpConfig> = checkSmtpSettings(settings);
const port: number | undefined = report.value?.port;
const firstIssue: Issue | undefined = report.issues[0];

function label(code: Code): string {
  switch (code) {
    case "smtp-security-port-mismatch":
      return "TLS mode does not match the port";
    case "input-invalid":
      return "bad input";
    default:
      return code;
  }
}
const labels: string[] = report.issues.map((i) => label(i.code));

const field: Report<null> = checkSmtpField(settings, "host");
const address = checkAddress("ops@example.com", { allowSmtputf8: false });
const ascii: string | undefined = address.value?.address;

const tenant: Tenant = { activeUserEmails: ["a@example.com"], identities: [] };
const id = checkNewIdentity(tenant, "example.com", "domain");
const kind: "domain" | "email" | undefined = id.value?.kind;

const records: DnsRecord[] = easyDkimRecords("example.com", ["a", "b", "c"]).value ?? [];
const types: Array<"CNAME" | "TXT" | "MX"> = records.map((r) => r.type);
const presets: Preset[] = providers();
const diag = diagnose({ kind: "reply", code: 535, text: "Authentication failed" });
const action: string | undefined = diag.value?.action;

// @ts-expect-error: a port is a number, not a string.
checkSmtpSettings({ port: "587" });
// @ts-expect-error: "ssl/tls" is not a security mode.
checkSmtpSettings({ security: "ssl/tls" });
// @ts-expect-error: codes are a closed union.
label("no-such-code");
// @ts-expect-error: a failure needs its kind.
diagnose({ code: 535, text: "x" });

export { port, firstIssue, labels, field, ascii, kind, types, presets, action };
