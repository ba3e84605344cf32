// Views more than one page shows. Pages import shared views from here, never from each
// other.

import type { Diagnosis } from "sendready";

import { h } from "./dom";

/** Renders a diagnosis (the catalogue's title, cause and action). */
export function diagnosisView(d: Diagnosis): HTMLElement {
  return h(
    "div",
    { class: "diagnosis", "data-code": d.code },
    h("strong", {}, d.title),
    h("p", {}, h("span", { class: "label" }, "Cause: "), d.cause),
    h("p", {}, h("span", { class: "label" }, "What to do: "), d.action),
    h("p", { class: "code" }, d.code, d.field ? ` (field: ${d.field})` : ""),
  );
}
