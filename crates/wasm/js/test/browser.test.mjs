// Tests in headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core): a
// page with no bundler imports the package's browser build, calls init(), and validates
// a form as it is typed; and the same package bundled by Vite. Pages are served on
// 127.0.0.1 only.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { readFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { build, createServer as createVite } from "vite";
import { existsSync } from "node:fs";
import { chromium } from "playwright-core";

const root = new URL("../../", import.meta.url); // crates/wasm/
const types = { ".html": "text/html", ".js": "text/javascript", ".wasm": "application/wasm", ".json": "application/json" };
const executablePath = process.env.CHROMIUM ?? "/usr/bin/chromium";
const flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
  "--disable-component-update", "--disable-sync", "--no-first-run"];
const servers = [];
let viteOut;

/** Serves files under `dir` (a file: URL) whose path matches `allow`; "/" is `index`. */
async function serve(dir, allow, index) {
  const server = createServer(async (req, res) => {
    const path = new URL(req.url, "http://x").pathname;
    const file = path === "/" ? index : path.slice(1);
    if (!allow.test(file)) {
      res.writeHead(404).end();
      return;
    }
    try {
      const body = await readFile(new URL(file, dir));
      res.writeHead(200, { "content-type": types[file.slice(file.lastIndexOf("."))] ?? "application/octet-stream" });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  servers.push(server);
  return `http://127.0.0.1:${server.address().port}/`;
}

async function withPage(url, fn) {
  assert.ok(existsSync(executablePath), `${executablePath} is missing: scripts/setup installs Debian's chromium`);
  const browser = await chromium.launch({ executablePath, args: flags });
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    const requests = [];
    page.on("request", (r) => requests.push(r.url()));
    await page.goto(url);
    await page.locator("#ready").filter({ hasText: "ready" }).waitFor();
    await fn(page, requests);
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
}

before(async () => {
  viteOut = await mkdtemp(join(tmpdir(), "sendready-vite-"));
});

after(async () => {
  for (const s of servers) s.close();
  if (viteOut) await rm(viteOut, { recursive: true, force: true });
});

test("a page without a bundler validates the SMTP form on every keystroke", async () => {
  const base = await serve(root, /^(pkg\/[\w.-]+|js\/browser\/[\w.-]+)$/, "js/browser/index.html");
  await withPage(base, async (page, requests) => {
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
  });
});

test("the package bundled by Vite loads its wasm asset and validates", async () => {
  await build({
    root: new URL("../vite/", import.meta.url).pathname,
    logLevel: "warn",
    build: { outDir: viteOut, emptyOutDir: true },
  });
  const base = await serve(pathToFileURL(`${viteOut}/`), /^(index\.html|assets\/[\w.-]+)$/, "index.html");
  await withPage(base, async (page, requests) => {
    assert.ok(requests.some((u) => /\/assets\/sendready_bg-[\w-]+\.wasm$/.test(u)), requests.join("\n"));
    await page.locator("#from").pressSequentially("billing.example.com");
    await page.locator("#from-msg[data-codes~='address-missing-at']").waitFor();
  });
});

test("the package under Vite's dev server (no pre-bundling workaround needed)", async () => {
  // The package is linked into node_modules from crates/wasm/pkg, so its real path is
  // outside the app's root; a package installed from npm needs no fs.allow entry.
  const vite = await createVite({
    root: new URL("../vite/", import.meta.url).pathname,
    logLevel: "warn",
    server: { host: "127.0.0.1", port: 0, fs: { allow: [new URL("../../", import.meta.url).pathname] } },
  });
  await vite.listen();
  try {
    const { port } = vite.httpServer.address();
    await withPage(`http://127.0.0.1:${port}/`, async (page) => {
      await page.locator("#from").pressSequentially("ops@bücher");
      await page.locator("#from-msg[data-codes~='domain-dotless']").waitFor();
    });
  } finally {
    await vite.close();
  }
});
