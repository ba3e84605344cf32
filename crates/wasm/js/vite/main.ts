// A bundled consumer: Vite resolves "sendready" through the package's exports map and
// emits the .wasm as an asset that init() fetches.
import init, { checkAddress, type Report, type Address } from "sendready";

await init();
const input = document.getElementById("from") as HTMLInputElement;
const msg = document.getElementById("from-msg") as HTMLElement;
input.addEventListener("input", () => {
  const r: Report<Address> = checkAddress(input.value);
  msg.textContent = r.issues.map((i) => i.message).join(" ");
  msg.dataset.codes = r.issues.map((i) => i.code).join(" ");
});
document.getElementById("ready")!.textContent = "ready";
