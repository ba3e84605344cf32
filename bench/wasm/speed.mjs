// Speed, in one Node process over one corpus: sendready's checkAddress through the wasm
// boundary against validator.js isEmail, and one full SMTP settings check against one
// isEmail call. Prints throughput and ratios; never asserts on time.
import * as sr from "sendready";
import validator from "validator";
import { isemailCases } from "./isemail.mjs";

const addresses = isemailCases().map((c) => c.address);
const ROUNDS = Number(process.env.ROUNDS ?? 2000);
const RUNS = 7;

function time(fn) {
  let sink = 0;
  const t0 = process.hrtime.bigint();
  for (let r = 0; r < ROUNDS; r++) {
    for (let i = 0; i < addresses.length; i++) sink += fn(addresses[i]) ? 1 : 0;
  }
  const ns = Number(process.hrtime.bigint() - t0);
  return { perCall: ns / (ROUNDS * addresses.length), sink };
}

function timeOne(fn, n) {
  const t0 = process.hrtime.bigint();
  let sink = 0;
  for (let i = 0; i < n; i++) sink += fn() ? 1 : 0;
  return { perCall: Number(process.hrtime.bigint() - t0) / n, sink };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const settings = {
  host: "email-smtp.eu-west-1.amazonaws.com", port: 587, security: "starttls",
  authentication: "password", username: "AKIAIOSFODNN7EXAMPLE",
  password: "BExampleSesSmtpPasswordThatIsFortyFourChars", fromAddress: "billing@bücher.example.com",
  fromName: "Billing, Inc.", additionalHeaders: "X-Campaign=Billing\nX-Tenant=42", debug: false,
};

// Warm both up (JIT, wasm tier-up) before measuring.
for (let i = 0; i < 3; i++) {
  time((a) => validator.isEmail(a));
  time((a) => sr.checkAddress(a).valid);
  time((a) => sr.isAddress(a));
}

const isEmail = [], check = [], bool = [], form = [];
for (let run = 0; run < RUNS; run++) {
  isEmail.push(time((a) => validator.isEmail(a)).perCall);
  check.push(time((a) => sr.checkAddress(a).valid).perCall);
  bool.push(time((a) => sr.isAddress(a)).perCall);
  form.push(timeOne(() => sr.checkSmtpSettings(settings).valid, 50_000).perCall);
}
const v = median(isEmail), s = median(check), b = median(bool), f = median(form);
const fmt = (ns) => `${ns.toFixed(0)} ns/call (${(1e9 / ns / 1e6).toFixed(2)} M/s)`;
console.log(`corpus: ${addresses.length} isemail addresses x ${ROUNDS} rounds, median of ${RUNS} runs, node ${process.version}`);
console.log(`validator ${validator.version} isEmail:        ${fmt(v)}`);
console.log(`sendready isAddress (boolean):    ${fmt(b)}`);
console.log(`sendready checkAddress (report):  ${fmt(s)}`);
console.log(`sendready checkSmtpSettings:      ${fmt(f)}`);
console.log(`address throughput ratio, boolean to boolean (isAddress / isEmail): ${(v / b).toFixed(2)}x  (goal >= 2x)`);
console.log(`address throughput ratio, full report (checkAddress / isEmail):    ${(v / s).toFixed(2)}x`);
console.log(`full form cost in isEmail calls:                  ${(f / v).toFixed(2)}   (goal <= 10)`);
