// One test in headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core):
// a page with no bundler imports the package's browser build, calls init(), and
// validates a form as it is typed. The page and package are served on 127.0.0.1 only.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { chromium } from "playwright-core";

const root = new URL("../../", import.meta.url); // crates/wasm/
const types = { ".html": "text/html", ".js": "text/javascript", ".wasm": "application/wasm", ".json": "application/json" };
const executablePath = process.env.CHROMIUM ?? "/usr/bin/chromium";
let server;
let base;

before(async () => {
  server = createServer(async (req, res) => {
    const path = new URL(req.url, "http://x").pathname;
    const file = path === "/" ? "js/browser/index.html" : path.slice(1);
    if (!/^(pkg\/[\w.-]+|js\/browser\/[\w.-]+)$/.test(file)) {
      res.writeHead(404).end();
      return;
    }
    try {
      const body = await readFile(new URL(file, root));
      res.writeHead(200, { "content-type": types[file.slice(file.lastIndexOf("."))] ?? "application/octet-stream" });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${server.address().port}/`;
});

after(() => server?.close());

test("a page without a bundler validates the SMTP form on every keystroke", async () => {
  assert.ok(existsSync(executablePath), `${executablePath} is missing: scripts/setup installs Debian's chromium`);
  const browser = await chromium.launch({
    executablePath,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    const requests = [];
    page.on("request", (r) => requests.push(r.url()));
    await page.goto(base);
    await page.locator("#ready").filter({ hasText: "ready" }).waitFor();
    const before = requests.length;

    await page.locator("#host").pressSequentially("smtps://smtp.example.com");
    await page.locator("#host-msg[data-codes~='host-has-scheme']").waitFor();
    assert.match(await page.locator("#host-msg").textContent(), /host-has-scheme/);

    await page.locator("#host").fill("");
    await page.locator("#host").pressSequentially("smtp.example.com");
    await page.locator("#host-msg[data-codes='']").waitFor({ state: "attached" });

    await page.locator("#security").selectOption("tls");
    await page.locator("#security-msg[data-codes~='smtp-security-port-mismatch']").waitFor();

    await page.locator("#fromAddress").pressSequentially("billing@");
    await page.locator("#fromAddress-msg[data-codes~='domain-empty']").waitFor();
    await page.locator("#fromAddress").pressSequentially("bücher.de");
    await page.locator("#fromAddress-msg[data-codes='']").waitFor({ state: "attached" });
    assert.equal(requests.length, before, `validation made requests: ${requests.slice(before)}`);
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});
