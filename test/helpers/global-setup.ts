/**
 * Integration-test global setup: a real Prometheus 2.x holding the backfilled 35-day fixture.
 * Installs the Debian package when missing, backfills (cached by generator hash), starts it on 127.0.0.1
 * on a free port with the remote-write receiver, and stops it by PID when the run ends.
 */
import type { TestProject } from "vitest/node";
import { ensureFixture, ensurePrometheus, startPrometheus } from "../../infra/local/index.js";

declare module "vitest" {
  export interface ProvidedContext {
    prometheusUrl: string;
    truthFile: string;
  }
}

export default async function setup(project: TestProject) {
  const log = (m: string) => console.log(`[prometheus harness] ${m}`);
  const bin = await ensurePrometheus(log);
  const fixture = await ensureFixture(bin, log);
  const prom = await startPrometheus({ bin, blocksDir: fixture.blocksDir, log });
  project.provide("prometheusUrl", prom.url);
  project.provide("truthFile", fixture.truthFile);
  return async () => {
    await prom.stop();
  };
}
