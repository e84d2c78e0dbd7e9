import { describe, expect, it } from "vitest";
import {
  apsWorkspaceFromUrl,
  CPU_HEADROOM,
  durationAlarmThresholdMs,
  HTTPS_PROBE_CPU_MS,
  MIN_PROBE_VCPU,
  maxTargetsPerShard,
  ONE_VCPU_MB,
  probeMemoryMb,
  probeShards,
  probeTimeoutSeconds,
  reportMemoryMb,
  smallestDeadlineMs,
  ssmParameterArn,
  ssmParameterNames,
  startWindowMs,
  targetsPerShard,
} from "../../infra/aws/index.js";
import { MAX_CONCURRENCY } from "../../packages/core/src/probe/cycle.js";
import { PACE_UTILIZATION } from "../../packages/core/src/probe/run.js";

const targets = (...ms: number[]) => ms.map((timeoutMs) => ({ timeoutMs }));

describe("probe timeout", () => {
  it("is the start window plus the largest deadline plus 20 s, in whole seconds", () => {
    // 3 targets at 885 MB (0.5 vCPU): the pacer starts 0.5 × 0.5 / 3 ms = 0.0833 a ms, 3 in 36 ms
    const three = { targets: targets(5000, 10_000, 8000), slos: [] };
    expect(startWindowMs(three)).toBe(36);
    expect(probeTimeoutSeconds(three)).toBe(31); // 30.036 s rounded up
    expect(probeTimeoutSeconds({ targets: targets(60_000), slos: [] })).toBe(81); // 12 ms + 80 s
    expect(probeTimeoutSeconds({ targets: targets(1500), slos: [] })).toBe(22); // 21.512 s rounded up
    // 500 targets of 2 s: four shards of 125 at 0.75 vCPU start in 125 × 3 / (0.5 × 0.75) = 1000 ms
    expect(startWindowMs(fleet(500, 2000))).toBe(1000);
    expect(probeTimeoutSeconds(fleet(500, 2000))).toBe(23);
  });
  it("uses the default deadline without targets and is capped at 15 minutes", () => {
    expect(probeTimeoutSeconds({ targets: [], slos: [] })).toBe(30);
    expect(probeTimeoutSeconds({ targets: targets(2_000_000), slos: [] })).toBe(900);
  });
});

/** n targets with deadline `ms` each */
const fleet = (n: number, ms: number) => ({ targets: targets(...Array<number>(n).fill(ms)), slos: [] });

/**
 * The sizing rule, restated from its definition (DESIGN §9 "Sizing is measured", infra/aws/sizing.ts): a
 * shard's CPU demand (targets × measured CPU per HTTPS probe) is at most CPU_HEADROOM of its smallest
 * deadline at the vCPU share its memory buys (memory / 1769 MB of one vCPU).
 */
const fitsOneVcpu = (deadlineMs: number) => Math.floor((CPU_HEADROOM * deadlineMs) / HTTPS_PROBE_CPU_MS);
const cpuRuleMb = (perShard: number, deadlineMs: number) =>
  Math.ceil(((perShard * HTTPS_PROBE_CPU_MS) / (CPU_HEADROOM * deadlineMs)) * ONE_VCPU_MB);
/** the latency floor (half a vCPU) and the room for sockets (256 MB, +128 MB per further hundred) */
const floorMb = (perShard: number) =>
  Math.max(Math.ceil(MIN_PROBE_VCPU * ONE_VCPU_MB), 256 + Math.floor((perShard - 1) / 100) * 128);

describe("probe sizing from the measured CPU per HTTPS probe", () => {
  it("the measured figure and the headroom are what the rule says they are", () => {
    // a measured figure, not the old assumption (1.5 ms of TLS on a network-bound prober)
    expect(HTTPS_PROBE_CPU_MS).toBeGreaterThan(1.5);
    expect(CPU_HEADROOM).toBe(0.25);
    // the pacer spends half the share, so the CPU stays out of the probes' way (probe/run.ts)
    expect(PACE_UTILIZATION).toBe(0.5);
    expect(ONE_VCPU_MB).toBe(1769);
  });

  it("a shard's CPU demand fits in the headroom of its smallest deadline at its vCPU share", () => {
    for (const n of [1, 10, 99, 100, 101, 250, 499, 500, 501, 1000, 5000]) {
      for (const ms of [500, 1000, 2000, 5000, 10_000, 30_000, 60_000]) {
        const config = fleet(n, ms);
        const perShard = targetsPerShard(config);
        const memoryMb = probeMemoryMb(config);
        const demandMs = perShard * HTTPS_PROBE_CPU_MS;
        expect(demandMs, `${n} targets of ${ms} ms`).toBeLessThanOrEqual(
          CPU_HEADROOM * ms * (memoryMb / ONE_VCPU_MB) + 1e-9,
        );
        expect(memoryMb).toBeLessThanOrEqual(ONE_VCPU_MB);
        expect(perShard).toBeLessThanOrEqual(MAX_CONCURRENCY);
        // paced at half the share, a shard starts within half of its smallest deadline (+ 1 ms rounding)
        expect(startWindowMs(config)).toBeLessThanOrEqual((CPU_HEADROOM / PACE_UTILIZATION) * ms + 1);
        // the shards cover every target once, in order, as few as the rule allows, none larger than sized
        const shards = probeShards(
          config,
          Array.from({ length: n }, (_, i) => i),
        );
        expect(shards.flat()).toEqual(Array.from({ length: n }, (_, i) => i));
        expect(shards.every((s) => s.length >= 1 && s.length <= perShard)).toBe(true);
        expect(shards.length).toBe(Math.ceil(n / maxTargetsPerShard(config)));
      }
    }
  });

  it("the smallest deadline decides, whatever the others", () => {
    const mixed = { targets: targets(10_000, 2000, 30_000), slos: [] };
    expect(smallestDeadlineMs(mixed)).toBe(2000);
    expect(smallestDeadlineMs({ targets: [], slos: [] })).toBe(10_000);
    expect(probeMemoryMb(mixed)).toBe(probeMemoryMb(fleet(3, 2000)));
  });

  it("500 targets of 2 s (the issue's shard) get the vCPU their handshakes need, in as many shards as it takes", () => {
    const config = fleet(500, 2000);
    const max = Math.min(MAX_CONCURRENCY, fitsOneVcpu(2000));
    const shards = Math.ceil(500 / max);
    const perShard = Math.ceil(500 / shards);
    expect(maxTargetsPerShard(config)).toBe(max);
    expect(targetsPerShard(config)).toBe(perShard);
    expect(probeMemoryMb(config)).toBe(
      Math.min(ONE_VCPU_MB, Math.max(cpuRuleMb(perShard, 2000), floorMb(perShard))),
    );
    // not the 768 MB (0.43 vCPU) that reported 475 healthy targets DOWN
    expect(probeMemoryMb(config) * (500 / perShard)).toBeGreaterThan(768);
  });

  it("10 s deadlines: one shard of up to 500, memory from the CPU rule or the socket floor", () => {
    for (const n of [10, 100, 101, 300, 500]) {
      const config = fleet(n, 10_000);
      expect(targetsPerShard(config)).toBe(n);
      expect(probeMemoryMb(config)).toBe(Math.max(cpuRuleMb(n, 10_000), floorMb(n)));
    }
    // past MAX_CONCURRENCY (or what one vCPU fits), more shards, never more memory than one vCPU
    const big = fleet(100_000, 10_000);
    const max = Math.min(MAX_CONCURRENCY, fitsOneVcpu(10_000));
    expect(targetsPerShard(big)).toBe(Math.ceil(100_000 / Math.ceil(100_000 / max)));
    expect(probeMemoryMb(big)).toBe(
      Math.max(cpuRuleMb(targetsPerShard(big), 10_000), floorMb(targetsPerShard(big))),
    );
  });

  it("a deadline too short for many handshakes makes small shards, never fewer than one target", () => {
    expect(maxTargetsPerShard(fleet(50, 100))).toBe(Math.max(1, fitsOneVcpu(100)));
    expect(maxTargetsPerShard(fleet(5, 1))).toBe(1);
    expect(probeMemoryMb(fleet(5, 1))).toBe(ONE_VCPU_MB); // one target per shard on a whole vCPU
  });
});

describe("memory", () => {
  it("grows with targets and SLOs within Lambda's limits", () => {
    // few targets: the latency floor (half a vCPU, 885 MB) is above the CPU rule and the sockets' room
    expect(MIN_PROBE_VCPU).toBe(0.5);
    expect(probeMemoryMb(fleet(10, 10_000))).toBe(885);
    expect(probeMemoryMb(fleet(100, 10_000))).toBe(Math.max(885, cpuRuleMb(100, 10_000)));
    expect(probeMemoryMb(fleet(101, 10_000))).toBeGreaterThanOrEqual(probeMemoryMb(fleet(100, 10_000)));
    expect(probeMemoryMb(fleet(500, 10_000))).toBeGreaterThan(probeMemoryMb(fleet(100, 10_000)));
    expect(reportMemoryMb({ targets: [], slos: Array(5).fill({}) })).toBe(512);
    expect(reportMemoryMb({ targets: [], slos: Array(26).fill({}) })).toBe(768);
    expect(reportMemoryMb({ targets: [], slos: Array(10_000).fill({}) })).toBe(3008);
  });
  it("duration alarms fire above 80 % of the timeout", () => {
    expect(durationAlarmThresholdMs(30)).toBe(24_000);
    expect(durationAlarmThresholdMs(300)).toBe(240_000);
  });
});

describe("AMP workspace from the Prometheus URL", () => {
  it("parses workspace URLs with or without a trailing path", () => {
    expect(
      apsWorkspaceFromUrl("https://aps-workspaces.eu-central-1.amazonaws.com/workspaces/ws-abc-123"),
    ).toEqual({
      region: "eu-central-1",
      workspaceId: "ws-abc-123",
    });
    expect(
      apsWorkspaceFromUrl("https://aps-workspaces.us-west-2.amazonaws.com/workspaces/ws-1/api/v1/query"),
    ).toEqual({ region: "us-west-2", workspaceId: "ws-1" });
  });
  it("returns undefined for other servers and malformed URLs", () => {
    expect(apsWorkspaceFromUrl("https://prometheus.example.com")).toBeUndefined();
    expect(
      apsWorkspaceFromUrl("https://aps-workspaces.eu-central-1.amazonaws.com/other/ws-1"),
    ).toBeUndefined();
    expect(
      apsWorkspaceFromUrl(
        "https://evil.example.com/aps-workspaces.eu-central-1.amazonaws.com/workspaces/ws-1",
      ),
    ).toBeUndefined();
    expect(apsWorkspaceFromUrl("not a url")).toBeUndefined();
  });
});

describe("SSM references", () => {
  it("collects every { ssm } reference once, sorted, ignoring other values", () => {
    const config = {
      targets: [
        { headers: { "X-Api-Key": { ssm: "/b/key" }, Authorization: { env: "TOKEN" }, Accept: "json" } },
        { headers: { "X-Other": { ssm: "/a/key" }, "X-Again": { ssm: "/b/key" } } },
      ],
      prometheus: { auth: { type: "basic", username: "u", password: { ssm: "/c/pw" } } },
    };
    expect(ssmParameterNames(config)).toEqual(["/a/key", "/b/key", "/c/pw"]);
    expect(ssmParameterNames({ targets: [{ headers: { A: "ssm" } }] })).toEqual([]);
  });
  it("builds parameter ARNs with exactly one slash after 'parameter'", () => {
    expect(ssmParameterArn("aws", "eu-central-1", "1", "/a/b")).toBe(
      "arn:aws:ssm:eu-central-1:1:parameter/a/b",
    );
    expect(ssmParameterArn("aws", "eu-central-1", "1", "a")).toBe("arn:aws:ssm:eu-central-1:1:parameter/a");
  });
});
