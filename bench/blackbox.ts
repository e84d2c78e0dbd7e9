/**
 * The real peer for the probe bench: Debian's `prometheus-blackbox-exporter`, installed when missing (never
 * started as a service: `policy-rc.d` answers 101 during the install, and the service is stopped after),
 * then started by us on 127.0.0.1 with a minimal `http_2xx` module and stopped by PID.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { aptInstall, freePort, which } from "../infra/local/index.js";
import { type Child, log, sleep, startChild } from "./lib.js";

const run = promisify(execFile);
const BINARY = "prometheus-blackbox-exporter";

/** Path of the exporter binary, installing the Debian package when possible; otherwise `{ skipped }`. */
export async function ensureBlackbox(): Promise<{ path: string } | { skipped: string }> {
  const have = which(BINARY);
  if (have) return { path: have };
  try {
    await aptInstall(BINARY, { log, service: BINARY });
  } catch (e) {
    return {
      skipped: `${BINARY} is not installed and could not be installed: ${(e as Error).message.split("\n")[0]}`,
    };
  }
  const after = which(BINARY);
  return after ? { path: after } : { skipped: `apt-get installed ${BINARY} but the binary is not on PATH` };
}

export interface RunningBlackbox {
  url: string;
  pid: number;
  version: string;
  stop(): Promise<void>;
}

/**
 * Starts the exporter on 127.0.0.1 with the module `http_2xx` (GET, 2xx, IPv4, 5 s timeout), plus `modules`:
 * more module definitions as YAML lines that go under `modules:` (indented like `http_2xx`, two spaces).
 */
export async function startBlackbox(
  binary: string,
  opts: { modules?: readonly string[] } = {},
): Promise<RunningBlackbox> {
  const dir = await mkdtemp(join(tmpdir(), "sla-bench-bbe-"));
  const config = join(dir, "blackbox.yml");
  await writeFile(
    config,
    [
      "modules:",
      "  http_2xx:",
      "    prober: http",
      "    timeout: 5s",
      "    http:",
      "      preferred_ip_protocol: ip4",
      "      ip_protocol_fallback: false",
      ...(opts.modules ?? []),
      "",
    ].join("\n"),
  );
  const version = await run(binary, ["--version"])
    .then((r) => `${r.stdout}${r.stderr}`.split("\n")[0]!.trim())
    .catch(() => "unknown");
  const port = await freePort();
  let child: Child | undefined;
  try {
    child = await startChild(binary, [
      `--config.file=${config}`,
      `--web.listen-address=127.0.0.1:${port}`,
      "--log.level=warn",
    ]);
    const url = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (child.proc.exitCode !== null) throw new Error(`${BINARY} exited with ${child.proc.exitCode}`);
      try {
        const r = await fetch(`${url}/-/healthy`, { signal: AbortSignal.timeout(500) });
        if (r.ok) break;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`${BINARY} on ${url} not healthy within 10 s`);
      await sleep(50);
    }
    const c = child;
    return {
      url,
      pid: c.pid,
      version,
      async stop() {
        await c.stop();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await child?.stop();
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
}
