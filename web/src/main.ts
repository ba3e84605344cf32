// Sendready's settings pages: load the rules (WebAssembly), sign in with a token, route.

import init, { version } from "sendready";

import { advancedPage } from "./advanced";
import { setToken, token } from "./api";
import { h, put } from "./dom";
import { helpersPage } from "./helpers";
import { smtpPage } from "./smtp";
import "./style.css";

const PAGES: Record<string, [string, (root: HTMLElement) => void]> = {
  "#/smtp": ["External SMTP", smtpPage],
  "#/advanced": ["Advanced SMTP (Amazon SES)", advancedPage],
  "#/dns": ["SPF and DMARC", helpersPage],
};

/** The tokens the API accepted this session, so a page is not asked twice. */
const accepted = new Set<string>();

/** Asks the API whether it takes the token: `null` when it does, else why not. */
async function refusal(t: string): Promise<string | null> {
  if (accepted.has(t)) return null;
  let r: Response;
  try {
    r = await fetch("/v1/settings", { headers: { authorization: `Bearer ${t}` } });
  } catch (e) {
    return `the Sendready API did not answer (${(e as Error).message})`;
  }
  // Only a 401 says the token is refused; any other answer came from a signed-in call.
  if (r.status !== 401) {
    accepted.add(t);
    return null;
  }
  const p = (await r.json().catch(() => null)) as { detail?: string } | null;
  return p?.detail ?? "HTTP 401";
}

function signIn(main: HTMLElement, why?: string) {
  const input = h("input", { id: "token", autocomplete: "off", spellcheck: "false", "aria-describedby": "token-msg" });
  const msg = h("div", { class: "msg", id: "token-msg", "aria-live": "polite" });
  const submit = h("button", { type: "submit" }, "Sign in");
  const say = (text: string) =>
    put(msg, h("p", { class: "issue error", "data-code": "auth-invalid" }, `The API refused this token: ${text}`));
  if (why) say(why);
  const form = h(
    "form",
    {
      class: "settings",
      onsubmit: async (e: Event) => {
        e.preventDefault();
        submit.disabled = true;
        setToken(input.value);
        const no = await refusal(input.value.trim());
        submit.disabled = false;
        if (no) {
          setToken(null);
          say(no);
          input.focus();
          return;
        }
        route();
      },
    },
    h("label", { for: "token" }, "Access token"),
    input,
    msg,
    h("p", { class: "hint" }, "scripts/dev prints a link that signs you in, and the token itself."),
    h("div", { class: "actions" }, submit),
  );
  put(main, h("h2", {}, "Sign in"), form);
  syncSignOut();
}

/** "Sign out" only for someone signed in. */
function syncSignOut() {
  const out = document.getElementById("sign-out");
  if (out) out.hidden = !token();
}

async function route() {
  const main = document.getElementById("main")!;
  const hash = PAGES[location.hash] ? location.hash : "#/smtp";
  for (const a of document.querySelectorAll<HTMLAnchorElement>("nav a")) {
    if (a.getAttribute("href") === hash) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
  const t = token();
  if (!t && hash !== "#/dns") return signIn(main);
  if (t) {
    // A token from the link or this tab's storage is checked once before any page.
    const no = await refusal(t);
    if (no) {
      setToken(null);
      if (hash !== "#/dns") return signIn(main, no);
    }
  }
  syncSignOut();
  const [title, page] = PAGES[hash];
  document.title = `${title} · Sendready`;
  page(main);
}

async function start() {
  token(); // takes #token=... from the link scripts/dev prints
  await init();
  const nav = document.getElementById("nav")!;
  put(nav, ...Object.entries(PAGES).map(([href, [title]]) => h("a", { href }, title)));
  const out = h("button", { type: "button", class: "link", id: "sign-out" }, "Sign out");
  out.addEventListener("click", () => {
    setToken(null);
    route();
  });
  nav.append(out);
  // A token the API stops taking (expired, revoked) signs the page out with the reason.
  window.addEventListener("sendready:unauthorized", (e) => {
    setToken(null);
    accepted.clear();
    signIn(document.getElementById("main")!, (e as CustomEvent<string>).detail);
  });
  document.getElementById("version")!.textContent = `rules ${version()}`;
  window.addEventListener("hashchange", route);
  route();
}

start().catch((e) => {
  document.getElementById("main")!.textContent = `The rules did not load: ${e}`;
});
