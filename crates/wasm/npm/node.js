// The Node entry of `sendready`: the same ESM build as browsers get, instantiated
// synchronously from the .wasm beside it, so `import { checkAddress } from "sendready"`
// works at once. `await init()` is still accepted (it returns the running instance).
import { readFileSync } from "node:fs";
import { initSync } from "./sendready.js";

initSync({ module: readFileSync(new URL("./sendready_bg.wasm", import.meta.url)) });

export * from "./sendready.js";
export { default } from "./sendready.js";
