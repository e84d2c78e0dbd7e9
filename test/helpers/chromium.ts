/** Finds Debian's Chromium for the browser tests, installing the package when missing (as root, apt-get). */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { promisify } from "node:util";

const run = promisify(execFile);
export const CHROMIUM = "/usr/bin/chromium";

export async function ensureChromium(): Promise<string> {
  if (existsSync(CHROMIUM)) return CHROMIUM;
  if (process.platform !== "linux" || process.getuid?.() !== 0 || !existsSync("/usr/bin/apt-get")) {
    throw new Error(
      "Chromium is needed for the browser test: install it (Debian: apt-get install --no-install-recommends chromium)",
    );
  }
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  const install = () =>
    run("apt-get", ["install", "-y", "-q", "--no-install-recommends", "chromium"], {
      env,
      maxBuffer: 64 << 20,
    });
  try {
    await install();
  } catch {
    await run("apt-get", ["update", "-q"], { env, maxBuffer: 64 << 20 });
    await install();
  }
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
