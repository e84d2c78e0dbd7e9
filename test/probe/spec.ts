/** Shared helpers for the probe tests: a spec builder and a deadline stopwatch. */
import { expect } from "vitest";
import type { ProbeResult, ProbeSpec } from "../../packages/core/src/probe/index.js";
import { probeTarget } from "../../packages/core/src/probe/index.js";

export function spec(url: string, overrides: Partial<ProbeSpec> = {}): ProbeSpec {
  return {
    name: overrides.name ?? url,
    url,
    method: "GET",
    headers: {},
    expect: { status: [{ min: 200, max: 299 }], maxBodyBytes: 1024 * 1024 },
    timeoutMs: 5000,
    labels: {},
    ...overrides,
  };
}

/** Deadline slack allowed by the requirement: the probe ends within 50 ms of its total deadline. */
export const DEADLINE_SLACK_MS = 50;

/** Probes and asserts it ended at its deadline (not before, at most 50 ms after); returns the result and overshoot. */
export async function probeAtDeadline(s: ProbeSpec): Promise<{ result: ProbeResult; overshootMs: number }> {
  const t0 = performance.now();
  const result = await probeTarget(s);
  const elapsed = performance.now() - t0;
  const overshootMs = elapsed - s.timeoutMs;
  console.log(`[deadline] ${result.cause} overshoot ${overshootMs.toFixed(1)} ms`);
  expect(elapsed).toBeGreaterThanOrEqual(s.timeoutMs - 1);
  expect(elapsed).toBeLessThanOrEqual(s.timeoutMs + DEADLINE_SLACK_MS);
  expect(result.success).toBe(false);
  return { result, overshootMs };
}
