/** Shared helpers for the probe tests: a spec builder and a deadline stopwatch. */
import { expect } from "vitest";
import type { ProbeResult, ProbeSpec } from "../../packages/core/src/probe/index.js";
import { probeTarget } from "../../packages/core/src/probe/index.js";
import { LOADED_MACHINE_MARGIN_MS } from "../helpers/timing.js";

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

/**
 * Probes and asserts it ended at its own deadline: not before it, and long before the peer would have let go
 * (every peer used here stalls for far longer than deadline + LOADED_MACHINE_MARGIN_MS). The 50 ms precision
 * target is a figure, measured by `bench/deadline.ts`; the overshoot is printed, not asserted.
 */
export async function probeAtDeadline(s: ProbeSpec): Promise<{ result: ProbeResult; overshootMs: number }> {
  const t0 = performance.now();
  const result = await probeTarget(s);
  const elapsed = performance.now() - t0;
  const overshootMs = elapsed - s.timeoutMs;
  console.log(`[deadline] ${result.cause} overshoot ${overshootMs.toFixed(1)} ms`);
  expect(elapsed).toBeGreaterThanOrEqual(s.timeoutMs - 1);
  expect(elapsed).toBeLessThan(s.timeoutMs + LOADED_MACHINE_MARGIN_MS);
  expect(result.success).toBe(false);
  return { result, overshootMs };
}
