/** The probe Lambda handler as deployed (config from SLA_CONFIG), writing to the real Prometheus. */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";

let server: Server;
let dir: string;
let handler: typeof import("../../packages/functions/src/probe.js")["handler"];

beforeAll(async () => {
  server = createServer((_q, r) => r.end("ok"));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const a = server.address();
  const port = typeof a === "object" && a ? a.port : 0;
  dir = await mkdtemp(join(tmpdir(), "sla-probe-fn-"));
  await writeFile(
    join(dir, "sla.config.yaml"),
    `targets:
  - { name: up, url: "http://127.0.0.1:${port}/", headers: { X-Token: { env: PROBE_TOKEN } } }
  - { name: refused, url: "http://127.0.0.1:1/" }
notify: { downAfter: 1 }
`,
  );
  Object.assign(process.env, {
    SLA_CONFIG: join(dir, "sla.config.yaml"),
    SLA_OUT_DIR: dir,
    SLA_PROMETHEUS_URL: inject("prometheusUrl"),
    PROBE_TOKEN: "tok-0123456789",
  });
  ({ handler } = await import("../../packages/functions/src/probe.js"));
});
afterAll(async () => {
  for (const k of ["SLA_CONFIG", "SLA_OUT_DIR", "SLA_PROMETHEUS_URL", "PROBE_TOKEN"]) delete process.env[k];
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await rm(dir, { recursive: true, force: true });
});

describe("probe Lambda handler", () => {
  it("probes, remote-writes, alerts and returns a summary without secrets", async () => {
    const s = await handler({});
    expect(s).toMatchObject({ targets: 2, up: 1, down: 1, remoteWrite: "ok", published: 1 });
    expect(s.failures).toEqual([{ target: "refused", cause: "refused", status: null }]);
    expect(s.events).toEqual([{ target: "refused", type: "down" }]);
    const again = await handler({});
    expect(again.published).toBe(0);
    const state = await readFile(join(dir, "state/probe-state.json"), "utf8");
    expect(state).not.toContain("tok-0123456789");
    expect(JSON.stringify(s)).not.toContain("tok-0123456789");
  });

  it("writes InconclusiveProbes as a CloudWatch metric (embedded metric format) on stdout", async () => {
    const lines: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
      lines.push(String(chunk));
      return write(chunk, ...rest);
    }) as typeof process.stdout.write;
    let s: Awaited<ReturnType<typeof handler>>;
    try {
      s = await handler({});
    } finally {
      process.stdout.write = write;
    }
    expect(s).toMatchObject({ inconclusive: 0, down: 1 });
    const emf = lines
      .flatMap((l) => l.split("\n"))
      .filter((l) => l.includes('"_aws"'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(emf).toHaveLength(1);
    // what CloudWatch extracts: the value and the dimension at the root, the directive under _aws
    expect(emf[0]).toMatchObject({
      InconclusiveProbes: 0,
      service: "sla-monitor",
      function: process.env.AWS_LAMBDA_FUNCTION_NAME ?? "local",
      _aws: {
        CloudWatchMetrics: [
          {
            Namespace: "sla-monitor",
            Dimensions: [["service", "function"]],
            Metrics: [{ Name: "InconclusiveProbes", Unit: "Count" }],
          },
        ],
      },
    });
    expect(typeof (emf[0]!._aws as { Timestamp: unknown }).Timestamp).toBe("number");
  });

  it("probes one shard when given target names", async () => {
    const s = await handler({ targets: ["up"] });
    expect(s).toMatchObject({ targets: 1, up: 1, down: 0 });
  });
});
