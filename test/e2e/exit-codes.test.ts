/**
 * `sla` exit codes that the other e2e tests do not reach, as users run the bin `npm ci` links:
 * 1 from `report --fail-on-breach` (an SLO missed), 5 when the run itself fails (its state cannot be
 * written), and 4 from `probe --fail-on-down` when no target is DOWN
 * but a probe was inconclusive (the monitor itself stalled). The stall is real: the test stops the `sla`
 * process (SIGSTOP, as a starved or descheduled process looks from inside) while its probe waits for a peer
 * that never answers, and lets it go on (SIGCONT) before the probe's deadline. Codes 0, 2 and 3 are covered in
 * demo.test.ts and report-cli.test.ts; exit 1 from `probe --fail-on-down` in demo.test.ts.
 */
import { execFile } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { refusedPort } from "../helpers/hostile-servers.js";
import { LOADED_MACHINE_MARGIN_MS } from "../helpers/timing.js";

const ROOT = resolve(import.meta.dirname, "../..");
const SLA_BIN = join(ROOT, "node_modules/.bin/sla");

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "sla-exit-codes-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the bin; `onStart` gets its pid (the bin is node itself: `#!/usr/bin/env node` execs it). */
function sla(args: string[], onStart?: (pid: number) => void): Promise<Run> {
  return new Promise((res) => {
    const child = execFile(SLA_BIN, args, { cwd: ROOT, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === "number" ? err.code : -1) : 0;
      res({ code, stdout, stderr });
    });
    if (child.pid !== undefined) onStart?.(child.pid);
  });
}

/**
 * A TCP peer that accepts and never answers; on its first connection it stops the `sla` process for
 * `stallMs` (SIGSTOP, then SIGCONT).
 */
async function stallingPeer(stallMs: number) {
  let pid: number | undefined;
  let stalled: Promise<void> = Promise.resolve();
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    s.on("error", () => {});
    s.resume();
    if (pid === undefined || sockets.size > 1) return;
    const target = pid;
    process.kill(target, "SIGSTOP");
    stalled = new Promise((r) =>
      setTimeout(() => {
        process.kill(target, "SIGCONT");
        r();
      }, stallMs),
    );
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/health`,
    watch: (p: number) => {
      pid = p;
    },
    stalled: () => stalled,
    connections: () => sockets.size,
    async close() {
      for (const s of sockets) s.destroy();
      server.close();
      await once(server, "close");
    },
  };
}

describe("sla exit codes", () => {
  it("report --fail-on-breach: 1 when an SLO is missed", async () => {
    const r = await sla([
      "report",
      "-c",
      "test/report/fixture.config.yaml",
      "--prometheus",
      inject("prometheusUrl"),
      "--period",
      "2026-10",
      "--fail-on-breach",
      "-o",
      join(dir, "report"),
    ]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toMatch(/flaky-availability.*MISSED/);
  });

  // A deadline the stop cannot reach on a loaded machine, and a stop far above a quarter of it (the
  // inconclusive threshold, OVERLOAD_SHARE) and far below the whole of it.
  const timeoutMs = 2 * LOADED_MACHINE_MARGIN_MS;
  const stallMs = LOADED_MACHINE_MARGIN_MS;

  it.each([
    ["4 when the only failed probe is inconclusive", false, 4],
    ["1 when a target is DOWN as well (DOWN wins)", true, 1],
  ] as const)("probe --fail-on-down: %s", async (_, withRefused, code) => {
    const peer = await stallingPeer(stallMs);
    let refused: number | undefined;
    if (withRefused) refused = await refusedPort();
    try {
      const cfg = join(dir, `probe-${code}.yaml`);
      const targets = [`  - { name: hang, url: "${peer.url}", timeoutMs: ${timeoutMs} }`];
      if (refused !== undefined)
        targets.push(`  - { name: closed, url: "http://127.0.0.1:${refused}/", timeoutMs: ${timeoutMs} }`);
      await writeFile(cfg, `targets:\n${targets.join("\n")}\n`);
      const r = await sla(
        ["probe", "-c", cfg, "--json", "--no-write", "--fail-on-down", "-o", join(dir, `p${code}`)],
        peer.watch,
      );
      await peer.stalled();
      expect(peer.connections()).toBe(1);
      const lines = r.stdout
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      const hang = lines.find((l) => l.target === "hang")!;
      expect(hang, r.stdout).toMatchObject({
        success: false,
        cause: "monitor-overload",
        inconclusive: true,
        observedCause: expect.stringMatching(/^timeout:/),
      });
      expect(hang.monitorStallMs as number).toBeGreaterThan(timeoutMs / 4);
      if (withRefused) expect(lines.find((l) => l.target === "closed")).toMatchObject({ cause: "refused" });
      expect(r.code, r.stderr).toBe(code);
    } finally {
      await peer.close();
    }
  });

  it("5 when the run itself fails (the state cannot be written), with the store's message", async () => {
    const refused = await refusedPort();
    const cfg = join(dir, "probe-5.yaml");
    await writeFile(
      cfg,
      `targets:\n  - { name: closed, url: "http://127.0.0.1:${refused}/", timeoutMs: 2000 }\n`,
    );
    // the output "folder" is a file: the breach state cannot be stored
    const notADir = join(dir, "not-a-folder");
    await writeFile(notADir, "a file\n");
    const r = await sla(["probe", "-c", cfg, "--no-write", "-o", notADir]);
    expect(r.code, r.stderr).toBe(5);
    expect(r.stderr).toMatch(/ENOTDIR|not a directory/i);
  });
});
