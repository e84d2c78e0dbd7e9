export {
  BURN_TIERS,
  BURN_WINDOWS,
  type BurnWindow,
  budgetOf,
  burnRateExpr,
  errorRatioExpr,
  recordName,
  renderAlertRules,
} from "./alerts/rules.js";
export * from "./boundary.js";
export * from "./config/index.js";
export * from "./import/index.js";
export * from "./notify/index.js";
export { PROBE_STATE_KEY, type ProbeCycleResult, runProbeCycle, toProbeSpec } from "./probe/cycle.js";
export { describeOverload, OVERLOAD_METRIC, probeTarget, runProbes } from "./probe/index.js";
export type { ProbeResult, ProbeSpec } from "./probe/types.js";
export * from "./prometheus/index.js";
export * from "./report/index.js";
export { probeSelector, quantileExpr } from "./report/queries.js";
export * from "./runtime.js";
export {
  assertReportableWindow,
  CALENDAR_KINDS,
  type CalendarKind,
  containingWindow,
  customWindow,
  dailyWindows,
  formatDuration as formatMinutes,
  formatPercent,
  formatWindow,
  monthWindow,
  parsePeriod,
  previousCompleteMonth,
  previousCompleteQuarter,
  previousCompleteWeek,
  previousCompleteYear,
  previousWindow,
  quarterWindow,
  resolveWindow,
  toZonedIso,
  type Window,
  WindowError,
  type WindowRequest,
  weekWindow,
  windowHours,
  windowMinutes,
  yearWindow,
} from "./slo/index.js";
export * from "./store/index.js";
export * from "./viewer/index.js";
