// A few DOM helpers: enough for forms and tables without a framework.

type Attrs = Record<string, string | number | boolean | null | undefined | ((e: Event) => void)>;
type Child = Node | string | null | undefined | false | Child[];

/** Creates an element: h("button", { type: "button", onclick: f }, "Save"). */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (typeof v === "function") el.addEventListener(k.replace(/^on/, ""), v as EventListener);
    else if (v === true) el.setAttribute(k, "");
    else el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}

function append(el: Node, children: Child[]) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
  }
}

/** Replaces an element's children. */
export function put(el: Element, ...children: Child[]) {
  el.replaceChildren();
  append(el, children);
}

let ids = 0;
/** A fresh element id with a readable prefix. */
export const uid = (prefix: string) => `${prefix}-${++ids}`;

/** A labelled field with its message area (aria-live, tied by aria-describedby). */
export function field(label: string, control: HTMLElement, hint?: string) {
  const id = control.id || uid("f");
  control.id = id;
  const msg = h("div", { class: "msg", id: `${id}-msg`, "aria-live": "polite" });
  const hintEl = hint ? h("div", { class: "hint", id: `${id}-hint` }, hint) : null;
  control.setAttribute("aria-describedby", [hintEl?.id, msg.id].filter(Boolean).join(" "));
  const wrap = h("div", { class: "field" }, h("label", { for: id }, label), control, hintEl, msg);
  return { wrap, msg, control };
}

/** Copies text to the clipboard and says so on the button. */
export async function copy(text: string, button: HTMLButtonElement) {
  const was = button.textContent;
  try {
    await navigator.clipboard.writeText(text);
    button.textContent = "Copied";
  } catch {
    // No clipboard permission (plain http on a LAN address): select-and-copy fallback.
    const t = h("textarea", {}, text);
    document.body.append(t);
    t.select();
    document.execCommand("copy");
    t.remove();
    button.textContent = "Copied";
  }
  setTimeout(() => (button.textContent = was), 1500);
}

/** A button that copies `text` and says so ("Copied"). */
export function copyButton(text: string, label: string, attrs: Record<string, string> = {}): HTMLButtonElement {
  const b = h("button", { type: "button", class: "secondary", ...attrs }, label);
  b.addEventListener("click", () => copy(text, b));
  return b;
}
