/**
 * A local server process (Prometheus, VictoriaMetrics) on 127.0.0.1: spawned with its output in a log file,
 * awaited until its health path answers, and stopped (SIGTERM, then SIGKILL after 5 s) with its files removed.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { openSync, readFileSync } from "node:fs";

export interface LocalServerOptions {
  /** what the errors call it, e.g. "prometheus" */
  name: string;
  bin: string;
  args: string[];
  port: number;
  /** where its stdout and stderr go; the last lines are quoted when it exits before it is ready */
  logFile: string;
  /** answers 2xx once the server is ready, e.g. "/-/ready" */
  readyPath: string;
  readyTimeoutMs?: number;
  /** removes its files, run by stop() (also when it did not get ready in time) */
  cleanup: () => Promise<void>;
}

export interface LocalServer {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

export async function startLocalServer(opts: LocalServerOptions): Promise<LocalServer> {
  const out = openSync(opts.logFile, "a");
  const child: ChildProcess = spawn(opts.bin, opts.args, { stdio: ["ignore", out, out] });
  let exited: number | null | undefined;
  const exitedP = new Promise<void>((r) =>
    child.once("exit", (code) => {
      exited = code;
      r();
    }),
  );
  const url = `http://127.0.0.1:${opts.port}`;
  const stop = async () => {
    if (exited === undefined) {
      child.kill("SIGTERM");
      const t = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exitedP;
      clearTimeout(t);
    }
    await opts.cleanup();
  };
  const timeoutMs = opts.readyTimeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited !== undefined) {
      const tail = readFileSync(opts.logFile, "utf8").split("\n").slice(-15).join("\n");
      // its files stay for the log the error names
      throw new Error(
        `${opts.name} exited with code ${exited} before it was ready; log ${opts.logFile}:\n${tail}`,
      );
    }
    try {
      const r = await fetch(`${url}${opts.readyPath}`, { signal: AbortSignal.timeout(1000) });
      if (r.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${opts.name} on ${url} was not ready within ${timeoutMs} ms`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, pid: child.pid!, stop };
}
