// Sums twiggy's per-item sizes (`twiggy top -n 100000 --format csv`, on stdin) by where
// the code comes from, so the package's size can be read at a glance.
import { readFileSync } from "node:fs";

const rows = readFileSync(0, "utf8").trim().split("\n").slice(1).map((line) => {
  const m = line.match(/^"?(.*?)"?,(\d+),/) ?? line.match(/^(.*),(\d+),[^,]*,[^,]*,[^,]*$/);
  return m ? { name: m[1], size: Number(m[2]) } : null;
}).filter(Boolean);

const groups = [
  ["data (idna/ICU4X tables, messages, catalogue text)", /data segment/],
  ["names section (not shipped: removed for the package)", /function names|names/],
  ["serde conversions (derives, json reader/writer)", /serde|Deserializ|Serializ|Visitor|visit_|sendready_wasm::json/],
  ["idna / ICU4X code", /idna|icu_|zerovec|utf8_iter|utf16_iter|potential_utf|write16|smallvec/],
  ["sendready-core rules", /sendready_core/],
  ["sendready-wasm exports", /sendready_wasm/],
  ["allocator and collections", /dlmalloc|alloc::|RawVec|__rdl|__rust_alloc/],
  ["formatting (fmt)", /fmt/],
  ["sorting and searching (core)", /sort|StrSearcher|TwoWay|memchr/],
  ["wasm-bindgen / js-sys glue", /wasm_bindgen|js_sys|__wbindgen|__wbg/],
];
const sums = new Map(groups.map(([g]) => [g, 0]));
let other = 0, total = 0;
for (const { name, size } of rows) {
  total += size;
  const g = groups.find(([, re]) => re.test(name));
  if (g) sums.set(g[0], sums.get(g[0]) + size); else other += size;
}
console.log("| part | bytes (before wasm-opt) |\n| --- | ---: |");
for (const [g, n] of sums) console.log(`| ${g} | ${n} |`);
console.log(`| other (core library: strings, numbers, ip parsing...) | ${other} |`);
console.log(`| total | ${total} |`);
