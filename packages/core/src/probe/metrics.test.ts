import { describe, expect, it } from "vitest";
import { probeSeries } from "./metrics.js";
import type { ProbeResult } from "./types.js";

const result = (over: Partial<ProbeResult>): ProbeResult => ({
  target: "api",
  url: "https://api.example.com/",
  success: true,
  degraded: "ok",
  status: 200,
  cause: null,
  durationMs: 120,
  phases: {},
  bodyBytes: 2,
  redirects: 0,
  startedAt: "2026-10-01T00:00:00.000Z",
  ...over,
});

const value = (series: ReturnType<typeof probeSeries>, name: string) =>
  series.find((s) => s.labels.__name__ === name)?.samples[0]?.value;

describe("probe series (blackbox_exporter names)", () => {
  it("writes probe_http_redirects and probe_failed_due_to_regex", () => {
    const ok = probeSeries([result({ redirects: 3 })], () => ({}), 0);
    expect(value(ok, "probe_http_redirects")).toBe(3);
    expect(value(ok, "probe_failed_due_to_regex")).toBe(0);
    const regex = probeSeries([result({ success: false, cause: "body" })], () => ({}), 0);
    expect(value(regex, "probe_failed_due_to_regex")).toBe(1);
    const status = probeSeries([result({ success: false, cause: "status", status: 500 })], () => ({}), 0);
    expect(value(status, "probe_failed_due_to_regex")).toBe(0);
  });
});
