// Agreement on the isemail corpus: where sendready's checkAddress (default options) and
// validator.js isEmail (default options) disagree, and what the RFCs say of each case.
// Prints a Markdown table for bench/README.md.
import * as sr from "sendready";
import validator from "validator";
import { isemailCases, rfcVerdict } from "./isemail.mjs";

const cases = isemailCases();
// Control characters and DEL are shown as \uXXXX; everything else as typed.
const show = (s) => [...s].map((c) => {
  const n = c.codePointAt(0);
  return n < 0x20 || n === 0x7f ? `\\u${n.toString(16).padStart(4, "0")}` : c === "|" ? "\\|" : c;
}).join("");
const rows = [];
for (const c of cases) {
  const ours = sr.checkAddress(c.address).valid;
  const theirs = validator.isEmail(c.address);
  if (ours === theirs) continue;
  const rfc = rfcVerdict(c);
  const right = rfc === "valid" ? (ours ? "sendready" : "validator.js")
    : rfc === "invalid" ? (ours ? "validator.js" : "sendready")
    : "both: a policy choice (allowed with an option)";
  rows.push(`| ${c.id} | \`${show(c.address)}\` | ${c.diagnosis.replace("ISEMAIL_", "")} | ${ours ? "accept" : "reject"} | ${theirs ? "accept" : "reject"} | ${rfc} | ${right} |`);
}
console.log(`${cases.length} cases; ${cases.length - rows.length} agree, ${rows.length} disagree.\n`);
console.log("| # | address | isemail diagnosis | sendready | validator.js | per RFC | right |");
console.log("| --- | --- | --- | --- | --- | --- | --- |");
for (const r of rows) console.log(r);
