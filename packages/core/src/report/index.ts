export { EMAIL_TEXT_MAX_BYTES, type EmailLinks, ReportEmailer, reportEmail } from "./email.js";
export {
  buildReport,
  findBreaches,
  methodText,
  type QueryApi,
  type ReportOptions,
  type ReportSlo,
} from "./engine.js";
export {
  type HistoryCell,
  type IndexSlo,
  indexSlos,
  isPeriodReport,
  lastPeriods,
  type PortalEntry,
  type SloHistory,
  sloHistory,
} from "./history.js";
export {
  INDEX_KEY,
  notificationKey,
  REPORT_FORMATS,
  type ReportFormat,
  reportId,
  reportKeys,
} from "./keys.js";
export type * from "./model.js";
export * from "./render/index.js";
export {
  corruptIndexKey,
  type IndexEntry,
  type IndexRebuild,
  indexRebuiltText,
  markerResetText,
  ReportInputError,
  type RunReportInput,
  type RunReportResult,
  runReport,
  selectSlos,
  slosForWindow,
} from "./run.js";
