/** Test helpers for the probe unit tests (not exported from the barrel). */
import type { ProbeResult } from "./types.js";

/** A successful probe result of target `api`; `over` changes what a test is about. */
export const probeResult = (over: Partial<ProbeResult> = {}): ProbeResult => ({
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
