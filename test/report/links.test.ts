/**
 * Notifications carry signed links when the viewer is configured: a whole report run (real Prometheus, the
 * runtime as the CLI builds it, so every message passes the scrubber into the outbox) with a viewer on
 * 127.0.0.1, then every link of every message opened through that viewer over HTTP.
 */
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, inject, it } from "vitest";
import { loadConfig } from "../../packages/core/src/config/index.js";
import type { OutboxEntry } from "../../packages/core/src/notify/index.js";
import { runReport } from "../../packages/core/src/report/run.js";
import { createRuntime, reportDeps } from "../../packages/core/src/runtime.js";
import { monthWindow } from "../../packages/core/src/slo/index.js";
import { LocalObjectStore } from "../../packages/core/src/store/index.js";
import {
  type LocalViewer,
  localLinkSecret,
  startViewerServer,
  ViewerLinks,
} from "../../packages/core/src/viewer/index.js";

const url = inject("prometheusUrl");
const config = await loadConfig(join(import.meta.dirname, "fixture.config.yaml"));
const window = monthWindow("2026-10", "Europe/Berlin");
const NOW = new Date("2026-11-01T06:00:00+01:00");
const cleanup: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanup.reverse()) await c();
});

async function setup() {
  const dir = await mkdtemp(join(tmpdir(), "sla-links-"));
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  const viewer: LocalViewer = await startViewerServer({
    store: new LocalObjectStore({ dir }),
    secret: localLinkSecret(dir),
    now: () => NOW,
  });
  cleanup.push(() => viewer.close());
  return { dir, viewer };
}

async function outbox(dir: string): Promise<OutboxEntry[]> {
  const files = (await readdir(join(dir, "outbox"))).filter((f) => f.endsWith(".json")).sort();
  return Promise.all(files.map(async (f) => JSON.parse(await readFile(join(dir, "outbox", f), "utf8"))));
}

describe("notifications with the viewer configured", () => {
  it("carry signed links to the report, its JSON and the portal instead of the storage location; each opens", async () => {
    const { dir, viewer } = await setup();
    const rt = await createRuntime(config, { outDir: dir, prometheusUrl: url, viewerUrl: viewer.url });
    const r = await runReport({ ...reportDeps(config, rt), window, notify: true, now: NOW });
    expect(r.error).toBeUndefined();
    expect(r.linkError).toBeUndefined();
    expect(r.links).toBeDefined();
    const messages = await outbox(dir);
    const kinds = messages.map((m) => m.publishInput.MessageAttributes?.kind?.StringValue);
    expect(kinds.sort()).toEqual(["breach", "report"]);
    for (const { publishInput, message } of messages) {
      const where = String(publishInput.Subject);
      // the email text (what SNS email subscribers get): a link longer than the line stands alone, unbroken
      expect(message.email, where).toContain(`  HTML:\n${r.links!.html}\n`);
      expect(message.email, where).toContain(`  JSON:\n${r.links!.json}\n`);
      expect(message.email, where).toContain(`  All reports:\n${r.links!.portal}\n`);
      expect(message.email, where).not.toContain("file://");
      // the chat JSON (AWS Chatbot)
      const steps = message.default.content.nextSteps?.join("\n") ?? "";
      expect(steps, where).toContain(r.links!.html);
      expect(steps, where).toContain(r.links!.portal);
    }
    // the links survived the scrubber and open through the viewer
    const html = await fetch(r.links!.html);
    expect(html.status).toBe(200);
    expect(await html.text()).toBe(await readFile(join(dir, r.keys.html), "utf8"));
    const json = await fetch(r.links!.json);
    expect(((await json.json()) as { period: string }).period).toBe("2026-10");
    // the portal link is a tree link: the report opens relative to it
    const other = await fetch(new URL("monthly/2026-10/report.txt", r.links!.portal));
    expect(other.status).toBe(200);
    // each link opens its own object only
    expect((await fetch(r.links!.html.replace("report.html", "report.csv"))).status).toBe(403);
    // 90 days (report.links.expiryDays) after the run
    const exp = Number(new URL(r.links!.html).pathname.split("/")[2]);
    expect(exp).toBe(NOW.getTime() / 1000 + 90 * 86400);
  });

  it("the portal is re-rendered whenever a report is stored, and opens through the portal link", async () => {
    const { dir, viewer } = await setup();
    const rt = await createRuntime(config, { outDir: dir, prometheusUrl: url, viewerUrl: viewer.url });
    await runReport({
      ...reportDeps(config, rt),
      window: monthWindow("2026-09", "Europe/Berlin"),
      notify: false,
      now: NOW,
    });
    const first = await readFile(join(dir, "reports/index.html"), "utf8");
    expect([...first.matchAll(/<tr data-report="([^"]+)"/g)].map((m) => m[1])).toEqual(["monthly/2026-09"]);
    const r = await runReport({ ...reportDeps(config, rt), window, notify: false, now: NOW });
    const portal = await fetch(r.links!.portal);
    expect(portal.status).toBe(200);
    expect(portal.headers.get("content-security-policy")).toContain("default-src 'none'");
    const page = await portal.text();
    expect([...page.matchAll(/<tr data-report="([^"]+)"/g)].map((m) => m[1])).toEqual([
      "monthly/2026-10",
      "monthly/2026-09",
    ]);
    // October's flaky-availability missed; September's cell is there too, each linking its report
    const flaky = /<tr data-slo="flaky-availability">(.*?)<\/tr>/.exec(page)?.[1] ?? "";
    expect(flaky).toMatch(/<td class="missed"><a href="monthly\/2026-10\/report.html">MISSED /);
    expect(flaky).toMatch(/<td class="(met|missed|unknown)"><a href="monthly\/2026-09\/report.html">/);
    const viaPortal = await fetch(new URL("monthly/2026-09/report.html", r.links!.portal!));
    expect(viaPortal.status).toBe(200);
  });

  it("an unreadable link secret never holds a message back: it then carries the storage location", async () => {
    const { dir } = await setup();
    const rt = await createRuntime(config, { outDir: dir, prometheusUrl: url });
    const broken = new ViewerLinks("https://viewer.example", async () => {
      throw new Error("AccessDeniedException: not allowed to read the secret");
    });
    const r = await runReport({ ...reportDeps(config, rt), links: broken, window, notify: true, now: NOW });
    expect(r.error).toBeUndefined();
    expect(r.linkError).toMatch(/AccessDeniedException.*storage location instead/);
    expect(r.published).toContain("summary");
    const messages = await outbox(dir);
    expect(messages).toHaveLength(2);
    for (const { message } of messages) {
      // a URL longer than the text's line goes on a line of its own (a long TMPDIR makes it so)
      const html = `file://${dir}/reports/monthly/2026-10/report.html`;
      expect(message.email).toMatch(new RegExp(`HTML:\\s+${html.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\n`));
      expect(message.email).not.toContain("https://viewer.example");
    }
  });
});
