import { describe, expect, it } from "vitest";
import { INCONCLUSIVE_SERIES, probeSeries } from "./metrics.js";
import { describeOverload, judgeOverload, OVERLOAD_SHARE, summarizeOverload } from "./overload.js";
import { probeResult } from "./test-helpers.js";
import type { FailureCause, ProbeResult } from "./types.js";
import { StallLog, watchEventLoop } from "./watch.js";

const failed = (cause: FailureCause, over: Partial<ProbeResult> = {}) =>
  probeResult({ success: false, cause, status: null, causeDetail: "still running", ...over });

describe("judgeOverload", () => {
  const deadline = 1000;
  const over = deadline * OVERLOAD_SHARE + 1;

  it("turns a timeout during a stall of more than a quarter of the deadline into monitor-overload", () => {
    const r = judgeOverload(failed("timeout:headers", { durationMs: 1003 }), deadline, 600);
    expect(r).toMatchObject({
      success: false,
      cause: "monitor-overload",
      inconclusive: true,
      observedCause: "timeout:headers",
      monitorStallMs: 600,
    });
    expect(r.causeDetail).toMatch(
      /^inconclusive: timeout:headers while the monitor itself was stalled 600 ms/,
    );
    expect(r.causeDetail).toContain("still running");
    // a reset is what a peer does to a client that stopped answering: explained too
    expect(judgeOverload(failed("reset"), deadline, over)).toMatchObject({ inconclusive: true });
    expect(judgeOverload(failed("timeout:tls"), deadline, over).observedCause).toBe("timeout:tls");
  });

  it("keeps the target's failure at a quarter of the deadline or less", () => {
    const r = judgeOverload(failed("timeout:headers"), deadline, deadline * OVERLOAD_SHARE);
    expect(r).toMatchObject({ cause: "timeout:headers", monitorStallMs: 250 });
    expect(r.inconclusive).toBeUndefined();
    expect(r.observedCause).toBeUndefined();
  });

  it("never overrules an answer the peer gave, however long the stall", () => {
    for (const cause of ["refused", "tls", "status", "body", "too-large", "redirect", "dns"] as const) {
      const r = judgeOverload(failed(cause), deadline, 5 * deadline);
      expect(r.cause).toBe(cause);
      expect(r.inconclusive).toBeUndefined();
    }
  });

  it("leaves a success a success and records the stall it included", () => {
    const r = judgeOverload(probeResult({ durationMs: 900 }), deadline, 700);
    expect(r).toMatchObject({ success: true, cause: null, monitorStallMs: 700 });
    expect(r.inconclusive).toBeUndefined();
  });
});

describe("run summary of the overload", () => {
  it("counts inconclusive probes and says so in one sentence, or nothing when there were none", () => {
    const rs = [
      judgeOverload(failed("timeout:headers", { target: "a" }), 1000, 900),
      judgeOverload(probeResult({ target: "b" }), 1000, 40),
      judgeOverload(failed("timeout:connect", { target: "c" }), 1000, 1200),
      judgeOverload(failed("refused", { target: "d" }), 1000, 1200),
    ];
    const s = summarizeOverload(rs);
    expect(s).toEqual({ inconclusive: 2, probes: 4, maxStallMs: 1200, targets: ["a", "c"] });
    expect(describeOverload(s)).toMatch(/^monitor overloaded: 2 of 4 probes inconclusive .*1200 ms/);
    expect(describeOverload(summarizeOverload([rs[1]!, rs[3]!]))).toBeNull();
  });
});

describe("series of an inconclusive probe", () => {
  it("writes no probe_success and no per-probe figure, only sla_probe_inconclusive 1", () => {
    const r = judgeOverload(failed("timeout:headers", { durationMs: 1002 }), 1000, 800);
    const series = probeSeries([r, probeResult({ target: "web" })], () => ({ team: "x" }), 5000);
    const mine = series.filter((s) => s.labels.target === "api");
    expect(mine).toHaveLength(1);
    expect(mine[0]!.labels).toMatchObject({ __name__: INCONCLUSIVE_SERIES, target: "api", team: "x" });
    expect(mine[0]!.samples).toEqual([{ value: 1, timestampMs: 5000 }]);
    // the other target is written as usual, and never as inconclusive
    const web = series.filter((s) => s.labels.target === "web").map((s) => s.labels.__name__);
    expect(web).toContain("probe_success");
    expect(web).not.toContain(INCONCLUSIVE_SERIES);
  });
});

describe("StallLog", () => {
  it("sums the stalled time inside a window, cutting intervals at its edges", () => {
    const log = new StallLog();
    log.add(100, 200);
    log.add(300, 350);
    log.add(1000, 1600);
    expect(log.within(0, 2000)).toBe(750);
    expect(log.within(150, 320)).toBe(70); // 50 of the first, 20 of the second
    expect(log.within(200, 300)).toBe(0); // touching edges only
    expect(log.within(1500, 1550)).toBe(50); // inside one interval
    expect(log.within(500, 400)).toBe(0);
    expect(log.total()).toBe(750);
    expect(log.longest()).toBe(600);
  });

  it("keeps intervals disjoint when a flush and the late tick log the same stall", () => {
    const log = new StallLog();
    log.add(100, 400); // flushed while the tick was overdue
    log.add(100, 450); // the tick itself, later
    log.add(120, 300); // nothing new
    expect(log.total()).toBe(350);
    expect(log.within(0, 1000)).toBe(350);
  });
});

describe("watchEventLoop", () => {
  it("logs a synchronous busy-wait as a stall inside its window", async () => {
    const watch = watchEventLoop();
    try {
      const from = performance.now();
      const until = from + 150;
      while (performance.now() < until) {
        // hog the loop
      }
      const to = performance.now();
      await new Promise((r) => setTimeout(r, 30));
      watch.flush();
      // the tick was due within 10 ms of the start and its first 5 ms are jitter: at least 135 ms logged
      expect(watch.stalls.within(from, to)).toBeGreaterThanOrEqual(135);
      expect(watch.stalls.longest()).toBeGreaterThanOrEqual(135);
    } finally {
      watch.stop();
    }
  });
});
