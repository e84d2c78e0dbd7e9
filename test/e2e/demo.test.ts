/**
 * The main job end to end, as a new user runs it: `sla demo` (real CLI process, real Prometheus, real
 * endpoints, real probes and reports), then the HTML report in headless Chromium, and the email text.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHROMIUM_ARGS, ensureChromium } from "../helpers/chromium.js";

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, "../..");
/** The command users run: the bin `npm ci` links, started through its shebang like any executable. */
const SLA_BIN = join(ROOT, "node_modules/.bin/sla");
const OUTPUT = join(ROOT, "test-output");
let out: string;
let result: {
  wallSeconds: number;
  reports: Record<string, { period: string; summary: Record<string, number>; html: string; json: string }>;
  plantedVsReported: {
    slo: string;
    ok: boolean;
    plantedDowntimeMinutes: number;
    reportedDowntimeMinutes: number;
  }[];
  outbox: string;
  portal: { file: string; url?: string };
};

beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), "sla-demo-"));
  const { stdout } = await run(SLA_BIN, ["demo", "--json", "--probe-seconds", "10", "--out", out], {
    cwd: ROOT,
    timeout: 120_000,
    maxBuffer: 16 << 20,
  });
  result = JSON.parse(stdout.slice(stdout.indexOf("{\n")));
}, 180_000);
afterAll(async () => {
  await rm(out, { recursive: true, force: true });
});

describe("sla demo", () => {
  it("ends with reports whose numbers match what it planted", () => {
    expect(result.plantedVsReported).toHaveLength(3);
    for (const c of result.plantedVsReported) expect(c, c.slo).toMatchObject({ ok: true });
    expect(result.reports.monthly!.summary).toMatchObject({ total: 5, met: 3, missed: 1, unknown: 1 });
    expect(result.reports.weekly!.summary.total).toBe(8);
    console.log(`[demo] wall time ${result.wallSeconds.toFixed(1)} s`);
  });

  it("renders the HTML report in headless Chromium without console errors", async () => {
    const browser = await chromium.launch({ executablePath: await ensureChromium(), args: CHROMIUM_ARGS });
    try {
      const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
      const errors: string[] = [];
      page.on("console", (m) => {
        if (m.type() === "error") errors.push(m.text());
      });
      page.on("pageerror", (e) => errors.push(e.message));
      await page.goto(`file://${result.reports.monthly!.html}`);
      await expect(page.locator("#slo-table tbody tr").count()).resolves.toBe(5);
      const statuses = await page.locator("#slo-table tbody tr").allInnerTexts();
      expect(statuses.join("\n")).toMatch(/flaky-availability[\s\S]*MISSED/);
      expect(await page.locator('[data-chart="daily-attainment"]').count()).toBe(5);
      expect(await page.locator('[data-chart="budget-burndown"]').count()).toBeGreaterThan(0);
      const bar = page.locator('[data-chart="daily-attainment"]').first();
      expect((await bar.boundingBox())!.width).toBeGreaterThan(200);
      await mkdir(OUTPUT, { recursive: true });
      const shot = join(OUTPUT, "report-monthly.png");
      await page.screenshot({ path: shot, fullPage: true });
      console.log(`[demo] screenshot: ${shot}`);
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  });

  it("writes an email text that reads at 80 columns", async () => {
    const txt = await readFile(result.reports.monthly!.html.replace(/\.html$/, ".txt"), "utf8");
    for (const line of txt.split("\n"))
      if (!line.includes("://")) expect(line.length, line).toBeLessThanOrEqual(80);
    expect(txt).toMatch(/MISSED/);
    expect(txt).toContain("report.html");
  });
});

/** `sla serve` as a user starts it; resolves with the portal link it prints (the test stops it by its pid). */
async function startServe(args: string[]): Promise<{ child: ChildProcess; portal: string; lines: string[] }> {
  const child = spawn(SLA_BIN, ["serve", ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  const lines: string[] = [];
  const portal = await new Promise<string>((resolvePortal, reject) => {
    let buf = "";
    const timer = setTimeout(
      () => reject(new Error(`sla serve printed no portal: ${lines.join("\n")}`)),
      30_000,
    );
    child.stdout!.on("data", (c: Buffer) => {
      buf += c.toString("utf8");
      for (let i = buf.indexOf("\n"); i >= 0; i = buf.indexOf("\n")) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        lines.push(line);
        if (line.startsWith("portal: ")) {
          clearTimeout(timer);
          resolvePortal(line.slice("portal: ".length));
        }
      }
    });
    child.stderr!.on("data", (c: Buffer) => lines.push(c.toString("utf8")));
    child.once("exit", (code) => reject(new Error(`sla serve exited ${code}: ${lines.join("\n")}`)));
  });
  return { child, portal, lines };
}

async function stopServe(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  child.kill("SIGTERM");
  return exited;
}

describe("sla serve on the demo's reports", () => {
  it("answers on 127.0.0.1 without a signature: / leads to the portal, which lists both demo periods", async () => {
    const { child, portal, lines } = await startServe(["--out", out]);
    try {
      expect(lines[0]).toMatch(/^serving .* on http:\/\/127\.0\.0\.1:\d+ \(no signature needed\)$/);
      expect(portal).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/reports\/index\.html$/);
      const root = await fetch(new URL("/", portal), { redirect: "manual" });
      expect([root.status, root.headers.get("location")]).toEqual([302, "/reports/index.html"]);
      const page = await (await fetch(portal)).text();
      const monthly = result.reports.monthly!.period;
      const weekly = result.reports.weekly!.period;
      expect(page).toContain(`<tr data-report="monthly/${monthly}">`);
      expect(page).toContain(`<tr data-report="weekly/${weekly}">`);
      expect(result.portal.file).toBe(join(out, "reports/index.html"));
    } finally {
      expect(await stopServe(child)).toBe(0);
    }
  });

  it("--signed: Chromium opens the portal through its signed link, then a report from it; no console errors", async () => {
    const { child, portal } = await startServe(["--out", out, "--signed"]);
    const browser = await chromium.launch({ executablePath: await ensureChromium(), args: CHROMIUM_ARGS });
    try {
      expect(portal).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/s\/\d+\/[A-Za-z0-9_-]{43}\/reports\/index\.html$/);
      // unsigned, the same server refuses
      expect((await fetch(new URL("/reports/index.html", portal))).status).toBe(403);
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const errors: string[] = [];
      page.on("console", (m) => {
        if (m.type() === "error") errors.push(m.text());
      });
      page.on("pageerror", (e) => errors.push(e.message));
      const res = await page.goto(portal);
      expect(res?.status()).toBe(200);
      const reports = await page
        .locator("#reports tbody tr")
        .evaluateAll((rows) => rows.map((r) => r.getAttribute("data-report")));
      expect(reports).toEqual(
        expect.arrayContaining([
          `monthly/${result.reports.monthly!.period}`,
          `weekly/${result.reports.weekly!.period}`,
        ]),
      );
      expect(await page.locator('[data-history="monthly"] tbody tr').count()).toBe(5);
      expect(await page.locator('[data-history="weekly"] tbody tr').count()).toBe(8);
      expect(await page.locator('[data-chart^="trend-"]').count()).toBe(2 * (5 + 8));
      await mkdir(OUTPUT, { recursive: true });
      const portalShot = join(OUTPUT, "portal.png");
      await page.screenshot({ path: portalShot, fullPage: true });
      console.log(`[demo] portal screenshot: ${portalShot}`);
      // a report, by the portal's relative link: still under the signed prefix
      await page
        .locator(`#reports tr[data-report="monthly/${result.reports.monthly!.period}"] a`)
        .first()
        .click();
      await page.waitForURL(/\/s\/\d+\/[^/]+\/reports\/monthly\/.*\/report\.html$/);
      await expect(page.locator("#slo-table tbody tr").count()).resolves.toBe(5);
      const reportShot = join(OUTPUT, "report-via-signed-link.png");
      await page.screenshot({ path: reportShot, fullPage: true });
      console.log(`[demo] report (signed link) screenshot: ${reportShot}`);
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
      expect(await stopServe(child)).toBe(0);
    }
  });
});

describe("sla CLI exit codes", () => {
  const sla = async (...args: string[]) => {
    try {
      const r = await run(SLA_BIN, args, { cwd: ROOT, timeout: 60_000 });
      return { code: 0, stdout: r.stdout, stderr: r.stderr };
    } catch (e) {
      const x = e as { code: number; stdout: string; stderr: string };
      return { code: x.code, stdout: x.stdout, stderr: x.stderr };
    }
  };
  it("--help: the bin starts and lists its commands", async () => {
    const r = await sla("--help");
    expect(r.code).toBe(0);
    for (const c of ["validate", "probe", "report", "rules", "serve", "demo"])
      expect(r.stdout).toMatch(new RegExp(`^  ${c}\\b`, "m"));
  });
  it("validate: 0 for the documented example, 2 naming path and value for a bad file", async () => {
    expect((await sla("validate", "--config", "sla.config.example.yaml")).code).toBe(0);
    const bad = join(out, "bad.yaml");
    await import("node:fs/promises").then((fs) =>
      fs.writeFile(bad, "calendar: { timeZone: Mars/Olympus }\nslos: []\ntargets: []\n"),
    );
    const r = await sla("validate", "--config", bad);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("calendar.timeZone");
    expect(r.stderr).toContain("Mars/Olympus");
  });
  it("report: 3 when Prometheus is unreachable, 2 on usage errors", async () => {
    const cfg = "test/report/fixture.config.yaml";
    const down = await sla(
      "report",
      "-c",
      cfg,
      "--prometheus",
      "http://127.0.0.1:1",
      "--period",
      "2026-10",
      "-o",
      join(out, "r1"),
    );
    expect(down.code).toBe(3);
    expect(down.stderr).toMatch(/did not answer/);
    expect(
      (await sla("report", "-c", cfg, "--period", "2026-10", "--from", "2026-10-01", "-o", out)).code,
    ).toBe(2);
  });
  it("probe: prints a table or one JSON object per target, exit 1 with --fail-on-down", async () => {
    const { createServer } = await import("node:http");
    const srv = createServer((_q, r) => r.end("ok"));
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
    try {
      const a = srv.address();
      const port = typeof a === "object" && a ? a.port : 0;
      const cfg = join(out, "probe.yaml");
      await import("node:fs/promises").then((fs) =>
        fs.writeFile(
          cfg,
          `targets:\n  - { name: local, url: "http://127.0.0.1:${port}/" }\n  - { name: closed, url: "http://127.0.0.1:1/", timeoutMs: 1000 }\n`,
        ),
      );
      const json = await sla(
        "probe",
        "-c",
        cfg,
        "--json",
        "--no-write",
        "--fail-on-down",
        "-o",
        join(out, "p"),
      );
      expect(json.code).toBe(1);
      const lines = json.stdout
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l));
      expect(lines.map((l) => [l.target, l.success, l.status, l.cause])).toEqual([
        ["local", true, 200, null],
        ["closed", false, null, "refused"],
      ]);
      expect(Object.keys(lines[0])).toEqual(
        expect.arrayContaining(["target", "success", "status", "cause", "durationMs", "phases", "tlsExpiry"]),
      );
      const tableOut = await sla("probe", "-c", cfg, "--no-write", "-o", join(out, "p2"));
      expect(tableOut.code).toBe(0);
      expect(tableOut.stdout).toMatch(/local\s+UP\s+200/);
      expect(tableOut.stdout).toMatch(/closed\s+DOWN\s+-\s+refused/);
    } finally {
      srv.closeAllConnections();
      srv.close();
    }
  });
});
