/**
 * `sla report` as users run it (the bin `npm ci` links): windows that are not past or running are refused
 * with exit 2 and nothing written, and a query Prometheus refuses (400 bad_data) is a configuration error
 * (exit 2 with Prometheus's message), not "Prometheus unavailable" (exit 3).
 */
import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { closedPort, type LocalServer, startServer } from "../prometheus/local-servers.js";

const ROOT = resolve(import.meta.dirname, "../..");
const SLA_BIN = join(ROOT, "node_modules/.bin/sla");
const CONFIG = join(ROOT, "test/report/fixture.config.yaml"); // calendar: Europe/Berlin

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "sla-report-cli-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function sla(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((res) => {
    execFile(SLA_BIN, args, { cwd: ROOT, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === "number" ? err.code : -1) : 0;
      res({ code, stdout, stderr });
    });
  });
}

const exists = async (p: string) =>
  readdir(p).then(
    () => true,
    () => false,
  );

describe("sla report refuses windows that are not past or running", () => {
  // Against the real Prometheus: were the window accepted, a report would be written.
  const prometheus = inject("prometheusUrl");
  it.each([
    [["--period", "2028-02"], /period "2028-02" is in the future/],
    [["--period", "2099-W01"], /period "2099-W01" is in the future/],
    [
      ["--from", "2099-01-01", "--to", "2099-01-08"],
      /window from "2099-01-01" to "2099-01-08" is in the future/,
    ],
    [["--period", "1999-12"], /period "1999-12" starts before 2000-01-01/],
    [["--from", "1999-12-30", "--to", "2000-01-05"], /starts before 2000-01-01/],
    [["--from", "2026-10-05", "--to", "2026-10-05"], /must be before its end/],
    [["--period", "2099-Q1"], /period "2099-Q1" is in the future \(2099-01-01T00:00:00\.000\+01:00 \.\./],
    [["--period", "2099"], /period "2099" is in the future/],
    [["--period", "1999-Q4"], /period "1999-Q4" starts before 2000-01-01/],
    [["--period", "1999"], /period "1999" starts before 2000-01-01/],
    [["--period", "2026-Q5"], /invalid quarter "2026-Q5": quarter must be Q1\.\.Q4/],
    [
      ["--period", "2026-q4"],
      /invalid period "2026-q4": expected .* a quarter "YYYY-Qn" \(e\.g\. "2026-Q4"\) or a year "YYYY"/,
    ],
    // the fixture config's SLOs keep the default windows: a quarter has nothing to report
    [
      ["--period", "2026-Q3"],
      /period "2026-Q3": no SLO lists the quarterly window; add "quarterly" to slos\[\]\.windows/,
    ],
    [["--previous", "yearly"], /period "\d{4}": no SLO lists the yearly window/],
  ])("%j: exit 2, the value named, nothing written", async (window, message) => {
    const out = join(dir, `out-${window.join("_")}`);
    const r = await sla(["report", "--config", CONFIG, "--prometheus", prometheus, "--out", out, ...window]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(await exists(out)).toBe(false); // no report files, no index entry
  });

  it("while a past period is written (the check above can see files)", async () => {
    const out = join(dir, "out-past");
    const r = await sla([
      "report",
      "--config",
      CONFIG,
      "--prometheus",
      prometheus,
      "--out",
      out,
      "--period",
      "2026-10",
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(await readdir(join(out, "reports"))).toContain("index.json");
  });
});

describe("sla report --period for quarters and years", () => {
  const prometheus = inject("prometheusUrl");
  it("writes quarterly/2026-Q4 and yearly/2026 for the SLOs that list those windows", async () => {
    const config = join(dir, "quarters.config.yaml");
    const text = (await readFile(CONFIG, "utf8")).replace(
      "  - name: checkout-success\n    service: checkout\n",
      "  - name: checkout-success\n    service: checkout\n    windows: [monthly, quarterly, yearly]\n",
    );
    expect(text).toContain("windows: [monthly, quarterly, yearly]");
    await writeFile(config, text);
    const out = join(dir, "out-quarters");
    for (const period of ["2026-Q4", "2026"]) {
      const r = await sla([
        "report",
        "--config",
        config,
        "--prometheus",
        prometheus,
        "--out",
        out,
        "--period",
        period,
        "--format",
        "json",
      ]);
      expect(r.code, r.stderr).toBe(0);
      const doc = JSON.parse(r.stdout) as { kind: string; period: string; slos: { name: string }[] };
      expect(doc.period).toBe(period);
      expect(doc.kind).toBe(period.includes("Q") ? "quarterly" : "yearly");
      expect(doc.slos.map((s) => s.name)).toEqual(["checkout-success"]);
    }
    expect((await readdir(join(out, "reports/quarterly/2026-Q4"))).sort()).toEqual([
      "report.csv",
      "report.html",
      "report.json",
      "report.md",
      "report.txt",
    ]);
    expect(await readdir(join(out, "reports/yearly/2026"))).toContain("report.html");
  });
});

describe("a query Prometheus refuses", () => {
  let server: LocalServer;
  beforeAll(async () => {
    // what Prometheus 2.x answers to a regex it cannot compile
    server = await startServer((_req, res) => {
      res.writeHead(400, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          status: "error",
          errorType: "bad_data",
          error: "1:34: parse error: error parsing regexp: invalid or unsupported Perl syntax: `(?<`",
        }),
      );
    });
  });
  afterAll(() => server.close());

  it("is a configuration error: exit 2 with Prometheus's message, once per query (no retries)", async () => {
    const out = join(dir, "out-bad-data");
    const r = await sla([
      "report",
      "--config",
      CONFIG,
      "--prometheus",
      server.url,
      "--out",
      out,
      "--period",
      "2026-10",
    ]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/rejected a query of SLO .* \(configuration error\)/);
    expect(r.stderr).toContain("invalid or unsupported Perl syntax: `(?<`");
    expect(r.stderr).not.toMatch(/did not answer/);
    const asked = server.requests.map((q) => `${q.url} ${q.body.toString()}`);
    expect(asked.length).toBeGreaterThan(0);
    expect(new Set(asked).size).toBe(asked.length);
  });

  it("whereas a Prometheus that does not answer is exit 3", async () => {
    const out = join(dir, "out-down");
    const url = `http://127.0.0.1:${await closedPort()}`;
    const r = await sla([
      "report",
      "--config",
      CONFIG,
      "--prometheus",
      url,
      "--out",
      out,
      "--period",
      "2026-10",
    ]);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toMatch(/did not answer/);
  });
});
