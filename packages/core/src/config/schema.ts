/**
 * zod 4 schemas for `sla.config.(yaml|json)`. Pure: no I/O. Every object is strict (unknown keys, e.g. a
 * `timeoutMS` typo, are errors). Parsed output has defaults filled and a few values normalised:
 * - `expect.status` becomes a list of `{ min, max }` ranges;
 * - an SLO's `objective` is a ratio (0.999); the percent from the file is kept as `objectivePercent`;
 * - `calendar.timeZone` is the canonical IANA spelling;
 * - `prometheus.url` loses trailing slashes and `remoteWriteUrl` is filled in.
 * Cross-field rules (unique names, references, orderings) live in `crossFieldIssues`, run by the root
 * schema's `superRefine` even when other parts of the file are invalid, so all problems show at once.
 */
import { isIP } from "node:net";
import { DateTime, IANAZone } from "luxon";
import * as z from "zod";
import { rawQueryProblems } from "../prometheus/raw-query.js";

// ---------------------------------------------------------------------------------------------------
// Constants

export const DEFAULT_PROMETHEUS_URL = "http://127.0.0.1:9090";
export const DEFAULT_TIMEOUT_MS = 10_000;
export const MIN_TIMEOUT_MS = 100;
export const MAX_TIMEOUT_MS = 60_000;
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
export const MAX_MAX_BODY_BYTES = 64 * 1024 * 1024;
/** blackbox_exporter (Go's http.Client) stops after 10 redirects too. */
export const DEFAULT_MAX_REDIRECTS = 10;
export const MAX_MAX_REDIRECTS = 50;

/** Label names the monitor sets itself on probe series; config may not use them. `__*` is reserved too. */
export const RESERVED_LABELS: readonly string[] = ["instance", "job", "target", "phase"];

const NAME_RE = /^[A-Za-z0-9_.-]+$/;
const LABEL_NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const METRIC_NAME_RE = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
/** RFC 9110 token. */
const HEADER_NAME_RE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const ENV_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
const SSM_NAME_RE = /^(arn:[A-Za-z0-9:_./-]+|\/?[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*)$/;
const ISO_WITH_OFFSET_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;

const q = (s: string): string => JSON.stringify(s);

type Rec = Record<string, unknown>;
const isRec = (v: unknown): v is Rec => typeof v === "object" && v !== null && !Array.isArray(v);

/** Key-name checks on records run even when some values are invalid (they only read the keys). */
const KEYS_ALWAYS = { when: () => true };

/** Error for a discriminated union on `type`: names the allowed types whatever went wrong. */
function typeError(types: readonly string[]) {
  const list = types.map(q).join(", ");
  return (iss: { code: string; input?: unknown }): string => {
    if (iss.code === "invalid_type") return `expected a mapping with a type (one of ${list})`;
    const input = iss.input as Record<string, unknown> | undefined;
    if (input && typeof input === "object" && input.type === undefined) return `is required: one of ${list}`;
    return `must be one of ${list}`;
  };
}

// ---------------------------------------------------------------------------------------------------
// Building blocks

/**
 * Target / SLO names: used in metric labels, S3 keys and file names, and as keys of the breach state and
 * other maps, so names that collide with JavaScript object internals (`__proto__`, `constructor`,
 * `prototype`) are refused, and every `__*` name with them (the monitor's own pseudo-targets use `__*`).
 */
export const NameSchema = z.string().superRefine((v, ctx) => {
  if (v.length === 0) {
    ctx.addIssue({ code: "custom", message: "must not be empty" });
  } else if (!NAME_RE.test(v)) {
    ctx.addIssue({ code: "custom", message: "must contain only letters, digits, '_', '.' and '-'" });
  } else if (/^\.+$/.test(v)) {
    ctx.addIssue({ code: "custom", message: "must not consist of dots only" });
  } else if (v.startsWith("__") || v === "constructor" || v === "prototype") {
    ctx.addIssue({
      code: "custom",
      message:
        'is reserved: names starting with "__", "constructor" and "prototype" collide with JavaScript object internals',
    });
  } else if (v.length > 128) {
    ctx.addIssue({ code: "custom", message: "must be at most 128 characters" });
  }
});

export const HttpUrlSchema = z.string().superRefine((v, ctx) => {
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    ctx.addIssue({ code: "custom", message: "must be an absolute http:// or https:// URL" });
    return;
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") {
    ctx.addIssue({
      code: "custom",
      message: `must be an http:// or https:// URL (scheme ${q(u.protocol.replace(/:$/, ""))} is not supported)`,
    });
  } else if (u.hostname === "") {
    ctx.addIssue({ code: "custom", message: "must name a host" });
  }
});

/**
 * An http(s) URL without userinfo: for `prometheus.url` / `remoteWriteUrl` (and their stage overrides),
 * whose value travels in the Lambda environment, SSM and the CloudFormation template. The message never
 * repeats the URL.
 */
export const CredentialFreeUrlSchema = HttpUrlSchema.superRefine((v, ctx) => {
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    return; // reported by HttpUrlSchema
  }
  if (u.username !== "" || u.password !== "") {
    ctx.addIssue({
      code: "custom",
      message:
        "must not carry credentials (user:password@ in a URL ends up in the Lambda environment, SSM and " +
        'CloudFormation): use auth: { type: basic, username: ..., password: { env: "NAME" } } ' +
        '(or { type: bearer, token: { env: "NAME" } }) and a URL without them',
      params: { hideValue: true },
    });
  }
});

/**
 * A string that must compile as an RE2 regular expression (`expect.bodyMatches` runs on re2js, in linear
 * time); the message gives RE2's reason (e.g. lookbehind and backreferences are not RE2). re2js is imported
 * on first use, so a config without patterns never loads it; the schema is therefore parsed asynchronously.
 */
export const Re2StringSchema = z.string().superRefine(async (v, ctx) => {
  const { re2Problem } = await import("./re2.js");
  const why = re2Problem(v);
  if (why !== undefined)
    ctx.addIssue({ code: "custom", message: `is not a valid RE2 regular expression: ${why}` });
});

/** A string that must compile as a JavaScript regular expression. */
export const RegexStringSchema = z.string().superRefine((v, ctx) => {
  try {
    new RegExp(v);
  } catch (err) {
    const why = (err as Error).message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, "");
    ctx.addIssue({ code: "custom", message: `is not a valid regular expression: ${why}` });
  }
});

function labelRecord(opts: { reserved: boolean; values?: "regex" }) {
  // regex matchers go to Prometheus, which compiles them as RE2: a JS-only pattern would be HTTP 400 there
  const valueSchema = opts.values === "regex" ? Re2StringSchema : z.string();
  return z.record(z.string(), valueSchema).superRefine((rec, ctx) => {
    if (!isRec(rec)) return;
    for (const key of Object.keys(rec)) {
      if (!LABEL_NAME_RE.test(key)) {
        ctx.addIssue({
          code: "custom",
          path: [key],
          message: `invalid label name ${q(key)}: must match [a-zA-Z_][a-zA-Z0-9_]*`,
          params: { hideValue: true },
        });
      } else if (opts.reserved && (key.startsWith("__") || RESERVED_LABELS.includes(key))) {
        ctx.addIssue({
          code: "custom",
          path: [key],
          message: `label name ${q(key)} is reserved (the monitor sets ${RESERVED_LABELS.join(", ")} and __* itself)`,
          params: { hideValue: true },
        });
      }
    }
  }, KEYS_ALWAYS);
}

/** Labels attached to series/reports: names must be valid Prometheus label names and not reserved. */
export const LabelsSchema = labelRecord({ reserved: true });
/** Extra label matchers (`name="value"`) in a PromQL selector; the query builder escapes the values. */
export const MatcherLabelsSchema = labelRecord({ reserved: false });
/** Regex label matchers (`name=~"value"`). */
export const RegexMatcherLabelsSchema = labelRecord({ reserved: false, values: "regex" });

// ---------------------------------------------------------------------------------------------------
// Secrets

export const SecretRefSchema = z.union(
  [
    z.string().superRefine((v, ctx) => {
      if (/[\r\n\0]/.test(v)) {
        ctx.addIssue({ code: "custom", message: "must not contain line breaks or NUL characters" });
      }
    }),
    z.strictObject({
      env: z.string().regex(ENV_NAME_RE, { error: "must be an environment variable name like API_TOKEN" }),
    }),
    z.strictObject({
      ssm: z.string().regex(SSM_NAME_RE, { error: "must be an SSM parameter name like /sla/api-token" }),
    }),
  ],
  { error: 'must be a string, { env: "NAME" } or { ssm: "/parameter/name" }' },
);

/** A secret value: given inline, read from an environment variable, or from an SSM parameter. */
export type SecretRef = z.output<typeof SecretRefSchema>;

export const HeadersSchema = z.record(z.string(), SecretRefSchema).superRefine((rec, ctx) => {
  if (!isRec(rec)) return;
  for (const key of Object.keys(rec)) {
    if (!HEADER_NAME_RE.test(key)) {
      ctx.addIssue({
        code: "custom",
        path: [key],
        message: `invalid header name ${q(key)}`,
        params: { hideValue: true },
      });
    }
  }
}, KEYS_ALWAYS);

// ---------------------------------------------------------------------------------------------------
// Targets

export interface StatusRange {
  min: number;
  max: number;
}

function statusRangeOf(v: number | string): StatusRange | string {
  if (typeof v === "number") {
    if (!Number.isInteger(v) || v < 100 || v > 599) return "must be an HTTP status code between 100 and 599";
    return { min: v, max: v };
  }
  const s = v.trim();
  let m = /^([1-5])xx$/i.exec(s);
  if (m) {
    const c = Number(m[1]);
    return { min: c * 100, max: c * 100 + 99 };
  }
  m = /^(\d{3})\s*-\s*(\d{3})$/.exec(s);
  if (m) {
    const min = Number(m[1]);
    const max = Number(m[2]);
    if (min < 100 || max > 599) return "range must lie within 100-599";
    if (min > max) return "range start must not be above its end";
    return { min, max };
  }
  if (/^\d{3}$/.test(s)) return statusRangeOf(Number(s));
  return 'must be a status code (200), a range ("200-299") or a class ("2xx")';
}

export const StatusItemSchema = z
  .union([z.number(), z.string()], {
    error: 'must be a status code (200), a range ("200-299") or a class ("2xx")',
  })
  .transform((v, ctx) => {
    const r = statusRangeOf(v);
    if (typeof r === "string") {
      ctx.addIssue({ code: "custom", message: r });
      return z.NEVER;
    }
    return r;
  });

export const ExpectSchema = z.strictObject({
  /** Accepted statuses; output is a list of inclusive ranges. Default: any 2xx. */
  status: z.array(StatusItemSchema).min(1).prefault(["2xx"]),
  /** RE2 regex searched in the (first `maxBodyBytes` of the) body of the final response. */
  bodyMatches: Re2StringSchema.optional(),
  maxBodyBytes: z.number().int().min(1).max(MAX_MAX_BODY_BYTES).default(DEFAULT_MAX_BODY_BYTES),
  /** Follow 301/302/303/307/308 within the target's one deadline; `status` judges the final answer. */
  followRedirects: z.boolean().default(true),
  /** More redirects than this fail with cause "redirect". */
  maxRedirects: z.number().int().min(0).max(MAX_MAX_REDIRECTS).default(DEFAULT_MAX_REDIRECTS),
  /** Follow a redirect from https:// to http:// (refused by default). */
  allowInsecureRedirects: z.boolean().default(false),
});

export const LatencyThresholdsSchema = z.strictObject({
  warnMs: z.number().int().positive(),
  critMs: z.number().int().positive(),
});

export const TlsSchema = z.strictObject({
  minDaysToExpiry: z.number().int().min(0).max(3650).default(14),
  /** Accept self-signed/expired/mismatched certificates (expiry is still measured and alerted). */
  insecureSkipVerify: z.boolean().default(false),
});

export const TimeoutMsSchema = z.number().int().min(MIN_TIMEOUT_MS).max(MAX_TIMEOUT_MS);

export const TargetSchema = z.strictObject({
  name: NameSchema,
  url: HttpUrlSchema,
  method: z.enum(["GET", "HEAD", "POST"]).default("GET"),
  headers: HeadersSchema.default({}),
  /** Request body; only with POST. */
  body: z.string().optional(),
  expect: ExpectSchema.prefault({}),
  /** Total deadline of one probe (connect + TLS + headers + body). */
  timeoutMs: TimeoutMsSchema.default(DEFAULT_TIMEOUT_MS),
  /** Latency levels: below warnMs normal, below critMs warning, else critical. warnMs < critMs < timeoutMs. */
  latency: LatencyThresholdsSchema.optional(),
  tls: TlsSchema.prefault({}),
  labels: LabelsSchema.default({}),
});

// ---------------------------------------------------------------------------------------------------
// SLOs

/** Objective given as a percent (99.9); strictly between 0 and 100. */
export const ObjectivePercentSchema = z.number().superRefine((v, ctx) => {
  if (v >= 100) {
    ctx.addIssue({
      code: "custom",
      message:
        v === 100
          ? "must be below 100: an objective of 100% leaves no error budget (use e.g. 99.99)"
          : "must be below 100: the objective is a percent such as 99.9",
    });
  } else if (v <= 0) {
    ctx.addIssue({
      code: "custom",
      message: "must be above 0: the objective is a percent such as 99.9 (0% would accept any failure rate)",
    });
  } else if (percentToRatio(v) >= 1) {
    ctx.addIssue({
      code: "custom",
      message: "rounds to 100% (no error budget left): give at most 12 significant digits, e.g. 99.9999",
    });
  }
});

export const MetricNameSchema = z
  .string()
  .regex(METRIC_NAME_RE, { error: "must be a Prometheus metric name like http_requests_total" });

export const MetricSelectorSchema = z.strictObject({
  metric: MetricNameSchema,
  /** Exact-match label matchers (`name="value"`). */
  labels: MatcherLabelsSchema.optional(),
  /** Regex label matchers (`name=~"value"`). */
  labelsRegex: RegexMatcherLabelsSchema.optional(),
});

export const ProbeSliSchema = z.strictObject({
  type: z.literal("probe"),
  /** Name of a target in `targets` (or, with `selector`, of a target probed elsewhere). */
  target: NameSchema.optional(),
  /** Extra label matchers on `probe_success`. */
  selector: MatcherLabelsSchema.optional(),
  intervalSeconds: z.number().int().min(1).max(3600).default(60),
  /**
   * Several series for the target (locations, shards): when a probe interval counts as down. `majority`
   * (default): more than half of the series present in that interval failed; `any`: at least one failed;
   * `all`: every series present failed. Reports count wall-clock intervals, never series-intervals.
   */
  downWhen: z.enum(["any", "majority", "all"]).default("majority"),
});

/**
 * PromQL written by the user (a "raw" SLI, Sloth's convention): `[{{.window}}]` stands where the calendar
 * window goes; the report fills it in and evaluates the expression at the window's end - 1 ms with `@`.
 */
export const RawPromqlSchema = z.strictObject({
  promql: z.string().superRefine((v, ctx) => {
    for (const message of rawQueryProblems(v)) {
      ctx.addIssue({ code: "custom", message, params: { hideValue: true } });
    }
  }),
});

/** A count of events: a counter selector (`sum(increase(...))` is built) or raw PromQL that counts them. */
export const EventsSourceSchema = z.union([MetricSelectorSchema, RawPromqlSchema]);

export const RatioSliSchema = z.strictObject({
  type: z.literal("ratio"),
  good: EventsSourceSchema.optional(),
  bad: EventsSourceSchema.optional(),
  /** Required with good or bad (checked in crossFieldIssues). */
  total: EventsSourceSchema.optional(),
  /** Raw PromQL giving the good (or bad) share 0..1 of the window directly, instead of good|bad and total. */
  goodRatio: RawPromqlSchema.optional(),
  badRatio: RawPromqlSchema.optional(),
});

/** `le` is the histogram's bucket label: the latency threshold (or histogram_quantile) sets it. */
function noLeMatcher(
  v: { labels?: Record<string, string>; labelsRegex?: Record<string, string> },
  ctx: z.RefinementCtx,
) {
  for (const key of ["labels", "labelsRegex"] as const) {
    if (v[key] && Object.hasOwn(v[key], "le")) {
      ctx.addIssue({
        code: "custom",
        path: [key, "le"],
        message: "le is the histogram's bucket label and is set by the query (thresholdSeconds); remove it",
        params: { hideValue: true },
      });
    }
  }
}

export const LatencySliSchema = z
  .strictObject({
    type: z.literal("latency"),
    /** Histogram base name; queries append `_bucket` / `_count`. */
    metric: MetricNameSchema.superRefine((v, ctx) => {
      if (/_bucket$/.test(v)) {
        ctx.addIssue({
          code: "custom",
          message: "give the histogram's base name without the _bucket suffix (queries append it)",
        });
      }
    }),
    labels: MatcherLabelsSchema.optional(),
    /** Regex label matchers (`name=~"value"`, RE2), on both the bucket and the count series. */
    labelsRegex: RegexMatcherLabelsSchema.optional(),
    /** The `le` bucket boundary, in seconds; it must be one of the histogram's buckets. */
    thresholdSeconds: z.number().positive(),
  })
  .superRefine(noLeMatcher);

const QuantileSchema = z.number().gt(0).lt(1);

export const QuantileSliSchema = z
  .strictObject({
    type: z.literal("quantile"),
    metric: MetricNameSchema,
    labels: MatcherLabelsSchema.optional(),
    /** Regex label matchers (`name=~"value"`, RE2) on the bucket series. */
    labelsRegex: RegexMatcherLabelsSchema.optional(),
    quantiles: z.array(QuantileSchema).min(1).default([0.95, 0.99]),
    /** Target per quantile in seconds, keyed by the quantile: { "0.95": 0.5 }. */
    targetSeconds: z.record(z.string(), z.number().positive()).optional(),
  })
  .superRefine((v, ctx) => {
    noLeMatcher(v, ctx);
    const seen = new Set<number>();
    v.quantiles.forEach((qv, i) => {
      if (seen.has(qv))
        ctx.addIssue({ code: "custom", path: ["quantiles", i], message: "duplicate quantile" });
      seen.add(qv);
    });
    for (const key of Object.keys(v.targetSeconds ?? {})) {
      const n = Number(key);
      if (key.trim() === "" || !Number.isFinite(n) || !seen.has(n)) {
        ctx.addIssue({
          code: "custom",
          path: ["targetSeconds", key],
          message: `key ${q(key)} is not one of the listed quantiles (${v.quantiles.join(", ")})`,
          params: { hideValue: true },
        });
      }
    }
  })
  .transform((v) => {
    if (!v.targetSeconds) return v;
    const targetSeconds: Record<string, number> = {};
    for (const [k, s] of Object.entries(v.targetSeconds)) targetSeconds[String(Number(k))] = s;
    return { ...v, targetSeconds };
  });

export const SliSpecSchema = z.discriminatedUnion(
  "type",
  [ProbeSliSchema, RatioSliSchema, LatencySliSchema, QuantileSliSchema],
  { error: typeError(["probe", "ratio", "latency", "quantile"]) },
);

export const IsoWithOffsetSchema = z.string().superRefine((v, ctx) => {
  if (!ISO_WITH_OFFSET_RE.test(v) || !DateTime.fromISO(v, { setZone: true }).isValid) {
    ctx.addIssue({
      code: "custom",
      message: 'must be an ISO-8601 date-time with an offset, e.g. "2026-10-03T22:00:00+02:00"',
    });
  }
});

export const MaintenanceSchema = z.strictObject({
  start: IsoWithOffsetSchema,
  /** Exclusive. */
  end: IsoWithOffsetSchema,
  reason: z.string().min(1),
});

/** Calendar windows an SLO is reported over; quarters and years are opt-in (default: weeks and months). */
export const SLO_WINDOWS = ["weekly", "monthly", "quarterly", "yearly"] as const;

export const SloSchema = z
  .strictObject({
    name: NameSchema,
    service: z.string().min(1),
    description: z.string().optional(),
    objective: ObjectivePercentSchema,
    sli: SliSpecSchema,
    windows: z
      .array(z.enum(SLO_WINDOWS))
      .min(1)
      .default(["weekly", "monthly"])
      .superRefine((v, ctx) => {
        if (new Set(v).size !== v.length) ctx.addIssue({ code: "custom", message: "lists a window twice" });
      }),
    missingData: z.enum(["unknown", "good", "bad"]).default("unknown"),
    /** Below this share of expected samples the SLO's status is "unknown". */
    minCoverage: z.number().min(0).max(1).default(0.9),
    maintenance: z.array(MaintenanceSchema).default([]),
    labels: LabelsSchema.default({}),
  })
  .transform(({ objective, ...rest }) => ({
    ...rest,
    /** Ratio, e.g. 0.999. */
    objective: percentToRatio(objective),
    /** As written in the config, e.g. 99.9. */
    objectivePercent: objective,
  }));

/** 99.9 → 0.999 without binary noise (99.9 / 100 is 0.9990000000000001). */
export function percentToRatio(percent: number): number {
  return Number.parseFloat((percent / 100).toPrecision(15));
}

// ---------------------------------------------------------------------------------------------------
// Calendar, notify, Prometheus

/** Canonical IANA spelling ("europe/berlin" → "Europe/Berlin"), or undefined when not a valid zone. */
export function canonicalTimeZone(zone: string): string | undefined {
  if (!IANAZone.isValidZone(zone)) return undefined;
  try {
    return new Intl.DateTimeFormat("en-US", { timeZone: zone }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

function suggestTimeZone(zone: string): string | undefined {
  let zones: string[];
  try {
    zones = [...Intl.supportedValuesOf("timeZone"), "UTC"];
  } catch {
    return undefined;
  }
  return closest(zone, zones, 3);
}

export const TimeZoneSchema = z.string().transform((v, ctx) => {
  const canonical = canonicalTimeZone(v);
  if (!canonical) {
    const hint = suggestTimeZone(v);
    ctx.addIssue({
      code: "custom",
      message: `unknown IANA time zone ${q(v)}${hint ? ` (did you mean ${q(hint)}?)` : ' (e.g. "Europe/Berlin" or "UTC")'}`,
    });
    return z.NEVER;
  }
  return canonical;
});

export const CalendarSchema = z.strictObject({
  timeZone: TimeZoneSchema.default("UTC"),
  weekStartsOn: z
    .literal("monday", { error: 'only "monday" is supported (weeks are ISO weeks)' })
    .default("monday"),
});

export const BurnRateSchema = z.strictObject({
  /** Page when the 1 h and 5 m burn rates both exceed this. */
  fast: z.number().positive().default(14.4),
  /** Page when the 6 h and 30 m burn rates both exceed this. */
  slow: z.number().positive().default(6),
  /** Open a ticket when the 3 d and 6 h burn rates both exceed this (`sla rules` only). */
  ticket: z.number().positive().default(1),
});

const EMAIL_ADDRESS_RE =
  /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;
export const EmailAddressSchema = z
  .string()
  .regex(EMAIL_ADDRESS_RE, { error: "must be an email address such as sla@example.com" });

/** The report as an HTML email through Amazon SES, beside the SNS messages (optional). */
export const SesEmailSchema = z.strictObject({
  /** a verified SES identity (the address, or an address of a verified domain) */
  from: EmailAddressSchema,
  to: z.array(EmailAddressSchema).min(1).max(50),
  /** SES configuration set (event destinations: bounces, complaints, deliveries) */
  configurationSet: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, { error: "must be 1-64 letters, digits, '_' or '-'" })
    .optional(),
  /** starts every subject, for mail filters */
  subjectPrefix: z
    .string()
    .max(40)
    .regex(/^[^\u0000-\u001f\u007f]*$/, { error: "must be one line" })
    .default("[SLA report]"),
  /** SES region when it is not the stack's */
  region: z
    .string()
    .regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, { error: "must be an AWS region like eu-central-1" })
    .optional(),
});

export const EmailSchema = z.strictObject({ ses: SesEmailSchema.optional() });

export const NotifySchema = z.strictObject({
  /** Consecutive failed probes before a target is DOWN. */
  downAfter: z.number().int().min(1).max(1000).default(3),
  /** Consecutive successful probes before a DOWN target is UP again. */
  recoverAfter: z.number().int().min(1).max(1000).default(2),
  tlsWarnDays: z.number().int().min(0).max(3650).default(14),
  burnRate: BurnRateSchema.prefault({}),
  /** Warn when the remaining error budget (ratio of the allowed budget) drops below this. */
  budgetWarningRemaining: z.number().min(0).max(1).default(0.25),
  weeklySummary: z.boolean().default(false),
  monthlySummary: z.boolean().default(true),
  /** the report summary also as an HTML email (sent with the summary: monthly, weekly when weeklySummary) */
  email: EmailSchema.optional(),
});

/** Report settings that are not per SLO: the signed links notifications, emails and the portal carry. */
export const ReportSettingsSchema = z.strictObject({
  links: z
    .strictObject({
      /** Signed report links expire this many days after the run that wrote them (rotating the secret revokes all). */
      expiryDays: z.number().int().min(1).max(3650).default(90),
    })
    .prefault({}),
});

export const AuthSchema = z.discriminatedUnion(
  "type",
  [
    z.strictObject({ type: z.literal("none") }),
    z.strictObject({ type: z.literal("basic"), username: z.string().min(1), password: SecretRefSchema }),
    z.strictObject({ type: z.literal("bearer"), token: SecretRefSchema }),
    z.strictObject({
      type: z.literal("sigv4"),
      region: z
        .string()
        .regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, { error: "must be an AWS region like eu-central-1" }),
      service: z.string().min(1).default("aps"),
    }),
  ],
  { error: typeError(["none", "basic", "bearer", "sigv4"]) },
);

const PROMETHEUS_TIMEOUT = z.number().int().min(100).max(300_000);

export const PrometheusSchema = z
  .strictObject({
    url: CredentialFreeUrlSchema.default(DEFAULT_PROMETHEUS_URL),
    /** Default: `url` + `/api/v1/write` (`/api/v1/remote_write` with sigv4, as Amazon Managed Prometheus). */
    remoteWriteUrl: CredentialFreeUrlSchema.optional(),
    auth: AuthSchema.default({ type: "none" }),
    timeoutMs: PROMETHEUS_TIMEOUT.default(30_000),
  })
  .transform((p) => {
    const url = p.url.replace(/\/+$/, "");
    const writePath = p.auth.type === "sigv4" ? "/api/v1/remote_write" : "/api/v1/write";
    return { ...p, url, remoteWriteUrl: p.remoteWriteUrl ?? `${url}${writePath}` };
  });

// ---------------------------------------------------------------------------------------------------
// Probe engine

/** Why `v` is not "IP" / "IPv4:port" / "[IPv6]:port" (the forms `dns.Resolver#setServers` takes), or undefined. */
function dnsServerProblem(v: string): string | undefined {
  const bad = `${q(v)} is not an IP address with an optional port (e.g. "10.0.0.2", "10.0.0.2:53" or "[fd00::2]:53"; names are not allowed)`;
  let host = v;
  let port: string | undefined;
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(v);
  const withPort = /^([^:]+):(\d+)$/.exec(v);
  if (bracketed) {
    host = bracketed[1]!;
    port = bracketed[2];
    if (isIP(host) !== 6) return bad;
  } else if (withPort) {
    host = withPort[1]!;
    port = withPort[2];
    if (isIP(host) !== 4) return bad;
  } else if (isIP(v) === 0) {
    return bad;
  }
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) {
    return `${q(v)} has port ${port}; a port is 1-65535`;
  }
  return undefined;
}

/** A DNS server for the probes: an IP literal with an optional port. */
export const DnsServerSchema = z.string().superRefine((v, ctx) => {
  const problem = dnsServerProblem(v);
  // the message names the value already; no "(got ...)" repeating it
  if (problem) ctx.addIssue({ code: "custom", message: problem, params: { hideValue: true } });
});

export const ProbeSchema = z.strictObject({
  /** Resolve target names with these servers (A and AAAA, one try, the target's deadline) instead of the system resolver. */
  dnsServers: z
    .array(DnsServerSchema)
    .min(1, { error: "must list at least one server (omit it to use the system resolver)" })
    .optional(),
});

// ---------------------------------------------------------------------------------------------------
// Stages

export const PrometheusOverrideSchema = z.strictObject({
  url: CredentialFreeUrlSchema.optional(),
  remoteWriteUrl: CredentialFreeUrlSchema.optional(),
  auth: AuthSchema.optional(),
  timeoutMs: PROMETHEUS_TIMEOUT.optional(),
});

export const SloOverrideSchema = z.strictObject({
  /** Percent, like `slos[].objective`. */
  objective: ObjectivePercentSchema.optional(),
  missingData: z.enum(["unknown", "good", "bad"]).optional(),
  /** Replaces the SLO's maintenance list. */
  maintenance: z.array(MaintenanceSchema).optional(),
});

export const TargetOverrideSchema = z.strictObject({
  url: HttpUrlSchema.optional(),
  timeoutMs: TimeoutMsSchema.optional(),
  latency: LatencyThresholdsSchema.optional(),
});

export const StageOverrideSchema = z.strictObject({
  prometheus: PrometheusOverrideSchema.optional(),
  slos: z.record(z.string(), SloOverrideSchema).optional(),
  targets: z.record(z.string(), TargetOverrideSchema).optional(),
});

export const StagesSchema = z.record(z.string(), StageOverrideSchema).superRefine((rec, ctx) => {
  if (!isRec(rec)) return;
  for (const key of Object.keys(rec)) {
    if (!/^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(key)) {
      ctx.addIssue({
        code: "custom",
        path: [key],
        message: `invalid stage name ${q(key)}: use letters, digits, '-' and '_'`,
        params: { hideValue: true },
      });
    }
  }
}, KEYS_ALWAYS);

// ---------------------------------------------------------------------------------------------------
// Root

export const SlaConfigSchema = z
  .strictObject({
    /** Editor hint for JSON files; ignored. */
    $schema: z.string().optional(),
    targets: z.array(TargetSchema).default([]),
    slos: z.array(SloSchema).default([]),
    calendar: CalendarSchema.prefault({}),
    notify: NotifySchema.prefault({}),
    report: ReportSettingsSchema.prefault({}),
    prometheus: PrometheusSchema.prefault({}),
    probe: ProbeSchema.prefault({}),
    stages: StagesSchema.default({}),
  })
  .superRefine(
    (value, ctx) => {
      for (const issue of crossFieldIssues(value)) {
        ctx.addIssue({ code: "custom", path: issue.path, message: issue.message, params: issue.params });
      }
    },
    // Run even when other parts failed: duplicates and dangling references are reported in the same pass.
    { when: () => true },
  );

// ---------------------------------------------------------------------------------------------------
// Types

export type SlaConfig = z.output<typeof SlaConfigSchema>;
export type SlaConfigInput = z.input<typeof SlaConfigSchema>;
export type Target = z.output<typeof TargetSchema>;
export type TargetInput = z.input<typeof TargetSchema>;
export type HttpMethod = Target["method"];
export type Expect = z.output<typeof ExpectSchema>;
export type LatencyThresholds = z.output<typeof LatencyThresholdsSchema>;
export type TlsConfig = z.output<typeof TlsSchema>;
export type Slo = z.output<typeof SloSchema>;
export type SloInput = z.input<typeof SloSchema>;
export type SliSpec = z.output<typeof SliSpecSchema>;
export type SliType = SliSpec["type"];
export type ProbeSli = z.output<typeof ProbeSliSchema>;
export type RatioSli = z.output<typeof RatioSliSchema>;
export type LatencySli = z.output<typeof LatencySliSchema>;
export type QuantileSli = z.output<typeof QuantileSliSchema>;
export type MetricSelector = z.output<typeof MetricSelectorSchema>;
export type RawPromql = z.output<typeof RawPromqlSchema>;
export type EventsSource = z.output<typeof EventsSourceSchema>;
export type Maintenance = z.output<typeof MaintenanceSchema>;
export type SloWindow = (typeof SLO_WINDOWS)[number];
export type MissingData = Slo["missingData"];
export type CalendarConfig = z.output<typeof CalendarSchema>;
export type NotifyConfig = z.output<typeof NotifySchema>;
export type ReportSettings = z.output<typeof ReportSettingsSchema>;
export type SesEmailConfig = z.output<typeof SesEmailSchema>;
export type BurnRateThresholds = z.output<typeof BurnRateSchema>;
export type PrometheusConfig = z.output<typeof PrometheusSchema>;
export type AuthConfig = z.output<typeof AuthSchema>;
export type ProbeConfig = z.output<typeof ProbeSchema>;
export type StageOverride = z.output<typeof StageOverrideSchema>;
export type SloOverride = z.output<typeof SloOverrideSchema>;
export type TargetOverride = z.output<typeof TargetOverrideSchema>;
export type PrometheusOverride = z.output<typeof PrometheusOverrideSchema>;

// ---------------------------------------------------------------------------------------------------
// Cross-field rules. They read a value that may be partly invalid (they run even when parsing failed),
// so every access is guarded.

export interface CrossFieldIssue {
  path: (string | number)[];
  message: string;
  params?: { hideValue?: boolean };
}

const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);

/** At most 10 names, each cut to 60 characters, for messages that list what exists (or what was asked for). */
export function knownList(names: Iterable<string>): string {
  const list = [...names];
  if (list.length === 0) return "none defined";
  const cut = (n: string) => (n.length > 60 ? `${n.slice(0, 60)}…` : n);
  const shown = list
    .slice(0, 10)
    .map((n) => q(cut(n)))
    .join(", ");
  return list.length > 10 ? `${shown}, ... (${list.length} in all)` : shown;
}

function latencyOrderIssues(
  latency: unknown,
  timeoutMs: number | undefined,
  base: (string | number)[],
): CrossFieldIssue[] {
  const out: CrossFieldIssue[] = [];
  if (!isRec(latency)) return out;
  const warn = num(latency.warnMs);
  const crit = num(latency.critMs);
  if (warn !== undefined && crit !== undefined && warn >= crit) {
    out.push({
      path: [...base, "latency", "warnMs"],
      message: `must be below latency.critMs (${crit})`,
    });
  }
  if (crit !== undefined && timeoutMs !== undefined && crit >= timeoutMs) {
    out.push({
      path: [...base, "latency", "critMs"],
      message: `must be below timeoutMs (${timeoutMs}): a probe is cut off at its deadline`,
    });
  }
  return out;
}

function maintenanceIssues(list: unknown, base: (string | number)[]): CrossFieldIssue[] {
  const out: CrossFieldIssue[] = [];
  arr(list).forEach((m, i) => {
    if (!isRec(m)) return;
    const s = str(m.start);
    const e = str(m.end);
    if (!s || !e) return;
    const start = DateTime.fromISO(s, { setZone: true });
    const end = DateTime.fromISO(e, { setZone: true });
    if (!start.isValid || !end.isValid) return;
    if (end.toMillis() <= start.toMillis()) {
      out.push({
        path: [...base, i, "end"],
        message: `must be after start (${s})`,
      });
    }
  });
  return out;
}

/**
 * `__proto__` mapping keys anywhere in the raw (parsed, not yet validated) file. The YAML and JSON parsers
 * keep such a key as an ordinary one, but zod leaves it out of a record's output without a word (labels,
 * headers, stages would lose an entry silently), so this looks at the raw value.
 */
export function prototypeKeyIssues(raw: unknown): CrossFieldIssue[] {
  const out: CrossFieldIssue[] = [];
  const walk = (v: unknown, path: (string | number)[]): void => {
    if (Array.isArray(v)) {
      for (const [i, item] of v.entries()) walk(item, [...path, i]);
    } else if (isRec(v)) {
      for (const [key, child] of Object.entries(v)) {
        if (key === "__proto__") {
          out.push({
            path: [...path, key],
            message: 'the key "__proto__" is not allowed (it would replace the object\'s prototype)',
            params: { hideValue: true },
          });
        }
        walk(child, [...path, key]);
      }
    }
  };
  walk(raw, []);
  return out;
}

/** All cross-field problems of a (possibly partly invalid) config value. */
export function crossFieldIssues(value: unknown): CrossFieldIssue[] {
  const out: CrossFieldIssue[] = [];
  if (!isRec(value)) return out;

  // Targets: unique names, body only with POST, latency ordering.
  const targetIndex = new Map<string, number>();
  const targets = arr(value.targets);
  targets.forEach((t, i) => {
    if (!isRec(t)) return;
    const name = str(t.name);
    if (name !== undefined) {
      const first = targetIndex.get(name);
      if (first !== undefined) {
        out.push({
          path: ["targets", i, "name"],
          message: `duplicate target name (also targets[${first}].name)`,
        });
      } else {
        targetIndex.set(name, i);
      }
    }
    const method = str(t.method) ?? "GET";
    if (t.body !== undefined && method !== "POST") {
      out.push({
        path: ["targets", i, "body"],
        message: `is only allowed with method POST (method is ${method})`,
        params: { hideValue: true },
      });
    }
    out.push(...latencyOrderIssues(t.latency, num(t.timeoutMs) ?? DEFAULT_TIMEOUT_MS, ["targets", i]));
  });

  // SLOs: unique names, references, SLI shape rules, maintenance ordering.
  const sloIndex = new Map<string, number>();
  arr(value.slos).forEach((s, i) => {
    if (!isRec(s)) return;
    const name = str(s.name);
    if (name !== undefined) {
      const first = sloIndex.get(name);
      if (first !== undefined) {
        out.push({ path: ["slos", i, "name"], message: `duplicate SLO name (also slos[${first}].name)` });
      } else {
        sloIndex.set(name, i);
      }
      if (name.toLowerCase() === "all") {
        out.push({
          path: ["slos", i, "name"],
          message: 'is reserved: "all" names the combined report of all SLOs',
        });
      }
    }
    const sli = s.sli;
    if (isRec(sli)) {
      if (sli.type === "probe") {
        const target = str(sli.target);
        const hasSelector = sli.selector !== undefined;
        if (target === undefined && !hasSelector && sli.target === undefined) {
          out.push({
            path: ["slos", i, "sli", "target"],
            message: "is required (name a target from targets[], or give a selector)",
          });
        } else if (target !== undefined && !hasSelector && !targetIndex.has(target)) {
          out.push({
            path: ["slos", i, "sli", "target"],
            message: `no target with this name (known: ${knownList(targetIndex.keys())}); add a selector to refer to a target probed elsewhere`,
          });
        }
      } else if (sli.type === "ratio") {
        const hasGood = sli.good !== undefined;
        const hasBad = sli.bad !== undefined;
        const ratios = ["goodRatio", "badRatio"].filter((k) => sli[k] !== undefined);
        const events = ["good", "bad", "total"].filter((k) => sli[k] !== undefined);
        if (ratios.length > 0) {
          if (ratios.length === 2 || events.length > 0) {
            out.push({
              path: ["slos", i, "sli"],
              message: `give one of goodRatio or badRatio alone (it is the whole SLI), not with ${[...ratios.slice(1), ...events].join(", ")}`,
            });
          }
        } else if (hasGood === hasBad) {
          out.push({
            path: ["slos", i, "sli"],
            message: hasGood
              ? "give either good or bad, not both (the SLI is good/total or 1 - bad/total)"
              : "needs good or bad next to total (the SLI is good/total or 1 - bad/total), or goodRatio or badRatio alone",
          });
        } else if (sli.total === undefined) {
          out.push({
            path: ["slos", i, "sli", "total"],
            message: "is required next to good or bad (the SLI is good/total or 1 - bad/total)",
          });
        }
      }
    }
    out.push(...maintenanceIssues(s.maintenance, ["slos", i, "maintenance"]));
  });

  // Notify: burn-rate thresholds ordering.
  if (isRec(value.notify) && isRec(value.notify.burnRate)) {
    const fast = num(value.notify.burnRate.fast);
    const slow = num(value.notify.burnRate.slow);
    if (fast !== undefined && slow !== undefined && fast <= slow) {
      out.push({ path: ["notify", "burnRate", "fast"], message: `must be above burnRate.slow (${slow})` });
    }
    const ticket = num(value.notify.burnRate.ticket);
    if (slow !== undefined && ticket !== undefined && slow <= ticket) {
      out.push({
        path: ["notify", "burnRate", "slow"],
        message: `must be above burnRate.ticket (${ticket})`,
      });
    }
  }

  // Stages: overrides must name existing SLOs / targets; orderings hold with the override applied.
  if (isRec(value.stages)) {
    for (const [stage, ov] of Object.entries(value.stages)) {
      if (!isRec(ov)) continue;
      if (isRec(ov.slos)) {
        for (const [sloName, sov] of Object.entries(ov.slos)) {
          if (!sloIndex.has(sloName)) {
            out.push({
              path: ["stages", stage, "slos", sloName],
              message: `no SLO named ${q(sloName)} (known: ${knownList(sloIndex.keys())})`,
              params: { hideValue: true },
            });
          } else if (isRec(sov)) {
            out.push(
              ...maintenanceIssues(sov.maintenance, ["stages", stage, "slos", sloName, "maintenance"]),
            );
          }
        }
      }
      if (isRec(ov.targets)) {
        for (const [targetName, tov] of Object.entries(ov.targets)) {
          const ti = targetIndex.get(targetName);
          if (ti === undefined) {
            out.push({
              path: ["stages", stage, "targets", targetName],
              message: `no target named ${q(targetName)} (known: ${knownList(targetIndex.keys())})`,
              params: { hideValue: true },
            });
          } else if (isRec(tov)) {
            const base = targets[ti] as Rec;
            const timeoutMs = num(tov.timeoutMs) ?? num(base.timeoutMs) ?? DEFAULT_TIMEOUT_MS;
            const at = ["stages", stage, "targets", targetName];
            if (tov.latency !== undefined) {
              out.push(...latencyOrderIssues(tov.latency, timeoutMs, at));
            } else if (tov.timeoutMs !== undefined && isRec(base.latency)) {
              const crit = num(base.latency.critMs);
              if (crit !== undefined && crit >= timeoutMs) {
                out.push({
                  path: [...at, "timeoutMs"],
                  message: `must be above targets[${ti}].latency.critMs (${crit}); override latency too`,
                });
              }
            }
          }
        }
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Small helpers shared with the loader

/** Levenshtein distance (small strings only). */
export function editDistance(a: string, b: string): number {
  const prev = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length]!;
}

/** The candidate closest to `word` (case-insensitive) within `maxDistance` edits, if any. */
export function closest(word: string, candidates: Iterable<string>, maxDistance = 2): string | undefined {
  let best: string | undefined;
  let bestD = Number.POSITIVE_INFINITY;
  const w = word.toLowerCase();
  const list = [...candidates];
  // A unique candidate that starts with the word (or that the word starts with) is the likely meaning.
  const prefixed = list.filter((c) => {
    const l = c.toLowerCase();
    return w.length >= 4 && (l.startsWith(w) || w.startsWith(l)) && l !== w;
  });
  if (prefixed.length === 1 && !list.some((c) => c.toLowerCase() === w)) return prefixed[0];
  for (const c of list) {
    const d = editDistance(w, c.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return bestD <= maxDistance ? best : undefined;
}
