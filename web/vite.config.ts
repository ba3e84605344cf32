// The settings pages. `scripts/dev` starts this dev server with SENDREADY_API set to the
// backend (sendready-local); /v1 is proxied to it, so the page and the API share an origin.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const repo = fileURLToPath(new URL("..", import.meta.url));

export default defineConfig({
  server: {
    // node_modules/sendready links to crates/wasm/pkg, outside web/.
    fs: { allow: [repo] },
    proxy: { "/v1": { target: process.env.SENDREADY_API ?? "http://127.0.0.1:8787", changeOrigin: false } },
  },
  preview: {
    proxy: { "/v1": { target: process.env.SENDREADY_API ?? "http://127.0.0.1:8787" } },
  },
});
