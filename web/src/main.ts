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

function signIn(main: HTMLElement) {
  const input = h("input", { id: "token", autocomplete: "off", spellcheck: "false" });
  const form = h(
    "form",
    {
      class: "settings",
      onsubmit: (e: Event) => {
        e.preventDefault();
        setToken(input.value);
        route();
      },
    },
    h("label", { for: "token" }, "Access token"),
    input,
    h("p", { class: "hint" }, "scripts/dev prints a link that signs you in, and the token itself."),
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Sign in")),
  );
  put(main, h("h2", {}, "Sign in"), form);
}

function route() {
  const main = document.getElementById("main")!;
  const hash = PAGES[location.hash] ? location.hash : "#/smtp";
  for (const a of document.querySelectorAll<HTMLAnchorElement>("nav a")) {
    if (a.getAttribute("href") === hash) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
  if (!token() && hash !== "#/dns") return signIn(main);
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
  document.getElementById("version")!.textContent = `rules ${version()}`;
  window.addEventListener("hashchange", route);
  route();
}

start().catch((e) => {
  document.getElementById("main")!.textContent = `The rules did not load: ${e}`;
});
