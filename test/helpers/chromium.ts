/** Finds Debian's Chromium for the browser tests, installing the package when missing. */
import { existsSync } from "node:fs";
import { aptInstall } from "../../infra/local/index.js";

export const CHROMIUM = "/usr/bin/chromium";

export async function ensureChromium(): Promise<string> {
  if (!existsSync(CHROMIUM)) await aptInstall("chromium");
  return CHROMIUM;
}

/** Flags that keep headless Chromium off the (closed) network and independent of any profile. */
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
