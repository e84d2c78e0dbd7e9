/**
 * Report Lambda: EventBridge Scheduler events (`{"schedule":"weekly"|"monthly"|"quarterly"|"yearly"}`: the
 * previous complete week/month/quarter/year in the configured time zone, notifications on;
 * `{"schedule":"current"}`: the running month, breaches only) and direct invocations
 * (`{"period":"2026-10"}`, `{"period":"2026-W43"}`, `{"period":"2026-Q4"}`, `{"period":"2026"}` (a year
 * may also be given as the number 2026), `{"from":"...","to":"..."}`, optional `slos`, `notify`
 * default false; a past or running window from 2000-01-01 on, resolved by the core's `resolveWindow` like
 * the CLI's). Returns the summary and the storage keys; a bad payload (or a future, pre-2000 or empty
 * window) returns a clear error and writes nothing. Transient Prometheus failures (the summary is withheld) or
 * failed publishes throw after storing, so the async retry publishes what is missing; queries Prometheus
 * rejects (4xx) are one self-alert and do not throw (a retry would fail the same way).
 * `{"portalLink":true}` (optional `"days"`) answers with a fresh signed link to the portal, when the viewer is
 * deployed (the stack output `PortalLinkCommand`): a signed link cannot be a static output.
 */
import {
  markerResetText,
  ReportInputError,
  reportDeps,
  resolveWindow,
  runReport,
  slosForWindow,
  type Window,
} from "@sla-monitor/core";
import * as z from "zod";
import { context, guarded, logger, scrub } from "./shared.js";

const Scheduled = z.strictObject({
  schedule: z.enum(["weekly", "monthly", "quarterly", "yearly", "current"]),
});
const OnDemand = z
  .strictObject({
    // a year as a JSON number ({"period":2026}) is the year "2026"; resolveWindow checks the rest
    period: z.union([z.string(), z.number().int().transform(String)]).optional(),
    from: z.string().optional(),
    to: z.string().optional(),
    slos: z.array(z.string().min(1)).min(1).optional(),
    notify: z.boolean().default(false),
  })
  .refine((p) => (p.period !== undefined) !== (p.from !== undefined || p.to !== undefined), {
    message: 'give either "period" or "from" and "to"',
  })
  .refine((p) => (p.from === undefined) === (p.to === undefined), { message: '"from" and "to" go together' });

export type ReportResponse =
  | {
      ok: true;
      kind: string;
      period: string | null;
      window: { start: string; end: string; timeZone: string };
      summary: { total: number; met: number; missed: number; unknown: number };
      slos: { name: string; status: string; attainment: number | null; reason?: string }[];
      breaches: { slo: string; kind: string; severity: string }[];
      location: string;
      keys: Record<string, string>;
      published: string[];
      alreadySent: string[];
      /** signed viewer links to the report, its JSON and the portal (when the viewer is deployed) */
      links?: { html: string; json: string; portal?: string };
    }
  | { ok: false; error: string };

const PortalLink = z.strictObject({
  portalLink: z.literal(true),
  days: z.number().int().min(1).max(3650).optional(),
});

export type PortalLinkResponse = { ok: true; portal: string; expires: string } | { ok: false; error: string };

/** The Lambda entry point (the second argument Lambda passes is its context, not a time). */
export const handler = guarded((event: unknown): Promise<ReportResponse | PortalLinkResponse> => {
  const link = PortalLink.safeParse(event);
  return link.success ? portalLink(link.data.days, new Date()) : handleReport(event, new Date());
});

/** A fresh signed portal link (`report.links.expiryDays` long, or `days`). */
export async function portalLink(days: number | undefined, now: Date): Promise<PortalLinkResponse> {
  const { runtime } = await context();
  if (!runtime.links)
    return { ok: false, error: "no report viewer is configured (SLA_VIEWER_URL is not set)" };
  const p = await runtime.links.portal(now, days);
  logger.info("portal link issued", { expires: p.expires.toISOString() });
  return { ok: true, portal: p.url, expires: p.expires.toISOString() };
}

/** The handler with the run time as a parameter, for tests and replays. */
export async function handleReport(event: unknown, now: Date): Promise<ReportResponse> {
  const { config, runtime } = await context();
  const tz = config.calendar.timeZone;
  let window: Window;
  let notify: boolean;
  let sloFilter: string[] | undefined;
  const scheduled = Scheduled.safeParse(event);
  try {
    if (scheduled.success) {
      const s = scheduled.data.schedule;
      // "current": the running month, for budget-exhausted / fast-burn breaches (no summary)
      window = resolveWindow(s === "current" ? { current: "monthly" } : { previous: s }, tz, now);
      slosForWindow(config.slos, window, undefined); // a quarter or year no SLO lists: refused, nothing written
      notify = true;
    } else {
      const p = OnDemand.safeParse(event);
      if (!p.success) {
        const issues = p.error.issues.map((i) => `${i.path.join(".") || "payload"}: ${i.message}`).join("; ");
        return { ok: false, error: `invalid payload: ${issues}` };
      }
      // the one resolver the CLI and the demo use too: past or running windows from 2000-01-01 on
      window = resolveWindow(
        p.data.period !== undefined ? { period: p.data.period } : { from: p.data.from!, to: p.data.to! },
        tz,
        now,
      );
      notify = p.data.notify;
      sloFilter = p.data.slos;
      // unknown names, or a quarter/year no SLO lists, fail here, before anything is written
      slosForWindow(config.slos, window, sloFilter);
    }
  } catch (e) {
    if (e instanceof ReportInputError || e instanceof RangeError || e instanceof Error) {
      return { ok: false, error: e.message };
    }
    throw e;
  }
  logger.info("report start", { kind: window.kind, period: window.period, notify, slos: sloFilter });
  const r = await runReport({
    ...reportDeps(config, runtime),
    window,
    notify,
    ...(sloFilter ? { sloFilter } : {}),
    now,
  });
  const d = r.report;
  logger.info("report done", {
    period: d.period,
    summary: d.summary,
    published: r.published,
    alreadySent: r.alreadySent,
    queries: runtime.prometheus.stats.queries,
  });
  if (r.indexRebuilt) {
    const { key, reason, copiedTo, entries } = r.indexRebuilt;
    logger.warn(scrub(`${key} was unreadable (${reason}); rebuilt from the stored reports`, runtime), {
      copiedTo,
      entries,
    });
  }
  for (const d of r.markersReset ?? []) logger.warn(scrub(markerResetText(d), runtime));
  if (r.linkError) logger.warn("report links", { error: scrub(r.linkError, runtime) });
  if (r.configError) {
    // Prometheus rejected queries: the same every time, so no retry (the self-alert went out once)
    logger.error("report partial: configuration error", { error: scrub(r.configError, runtime) });
  }
  if (r.error) {
    logger.error("report incomplete", { error: scrub(r.error, runtime) });
    // Scheduled runs are async: throwing makes Lambda retry, then the on-failure destination keeps the event.
    if (scheduled.success) throw new Error(scrub(r.error, runtime));
  }
  return {
    ok: true,
    kind: d.kind,
    period: d.period,
    window: { start: d.window.start, end: d.window.end, timeZone: d.window.timeZone },
    summary: d.summary,
    slos: d.slos.map((s) => ({
      name: s.name,
      status: s.status,
      attainment: s.attainment,
      ...(s.reason ? { reason: s.reason } : {}),
    })),
    breaches: d.breaches.map((b) => ({ slo: b.slo, kind: b.kind, severity: b.severity })),
    location: runtime.store.describe(),
    keys: r.keys,
    published: r.published,
    alreadySent: r.alreadySent,
    ...(r.links ? { links: r.links } : {}),
  };
}
