// The isemail corpus (../shared/corpora/isemail/tests.xml), read in place, with the
// control characters restored as the corpus README says (U+2400 + n, U+2421 for DEL).
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const corpora = process.env.SENDREADY_CORPORA ?? fileURLToPath(new URL("../../../shared/corpora", import.meta.url));

const unescape = (s) =>
  s.replace(/&(lt|gt|amp|quot|apos|#x([0-9a-fA-F]+)|#(\d+));/g, (_, name, hex, dec) =>
    hex ? String.fromCodePoint(parseInt(hex, 16)) : dec ? String.fromCodePoint(Number(dec)) :
    { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" }[name]);

const tag = (block, name) => {
  const m = block.match(new RegExp(`<${name}>([\\s\\S]*?)</${name}>`));
  return m ? m[1] : "";
};

export function isemailCases() {
  const xml = readFileSync(`${corpora}/isemail/tests.xml`, "utf8");
  return xml.split('<test id="').slice(1).map((block) => ({
    id: block.slice(0, block.indexOf('"')),
    address: [...unescape(tag(block, "address"))].map((c) => {
      const n = c.codePointAt(0);
      return n >= 0x2400 && n <= 0x241f ? String.fromCodePoint(n - 0x2400) : n === 0x2421 ? "\u007f" : c;
    }).join(""),
    category: tag(block, "category"),
    diagnosis: tag(block, "diagnosis"),
  }));
}

/** What RFC 5321/5322 say of a case, for a mailbox an SMTP client will send to. */
export function rfcVerdict(c) {
  if (c.category === "ISEMAIL_VALID_CATEGORY" || c.category === "ISEMAIL_DNSWARN") {
    return c.address.split("@").pop().includes(".") ? "valid" : "valid only with a dotless domain allowed";
  }
  if (c.diagnosis === "ISEMAIL_RFC5321_QUOTEDSTRING") return "valid per RFC 5321 (quoted local part), refused by default";
  if (c.diagnosis === "ISEMAIL_RFC5321_ADDRESSLITERAL") return "valid per RFC 5321 (address literal), refused by default";
  if (c.diagnosis === "ISEMAIL_RFC5321_TLD") return "valid only with a dotless domain allowed";
  return "invalid";
}
