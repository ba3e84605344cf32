// Views more than one page shows. Pages import shared views from here, never from each
// other.

import type { Diagnosis } from "sendready";

import { h } from "./dom";

/** Statuses that are good news, and ones that ask only for patience: drawn as such, not
 * in the red of a failure. */
const GOOD = new Set<string>(["verification-success"]);
const WAITING = new Set<string>([
  "verification-pending",
  "verification-email-pending",
  "verification-dns-ready",
  "verification-temporary-failure",
  "verification-not-started",
]);

/** How a diagnosis reads: `ok`, `wait` or `fail` (the class it is drawn with). */
export function tone(code: string): "ok" | "wait" | "fail" {
  if (GOOD.has(code)) return "ok";
  if (WAITING.has(code)) return "wait";
  return "fail";
}

/** Renders a diagnosis (the catalogue's title, cause and action). */
export function diagnosisView(d: Diagnosis): HTMLElement {
  return h(
    "div",
    { class: `diagnosis ${tone(d.code)}`, "data-code": d.code, "data-tone": tone(d.code) },
    h("strong", {}, d.title),
    h("p", {}, h("span", { class: "label" }, "Cause: "), d.cause),
    h("p", {}, h("span", { class: "label" }, "What to do: "), d.action),
    h("p", { class: "code" }, d.code, d.field ? ` (field: ${d.field})` : ""),
  );
}
