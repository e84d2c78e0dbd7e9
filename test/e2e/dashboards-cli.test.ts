/**
 * `sla dashboards --out DIR` as users run it (the bin `npm ci` links): the example config's dashboards and
 * provisioning file, a bad config (exit 2, path and value, nothing written), credentials from the
 * environment that never reach the files or the output, dashboards of SLOs removed from the config removed
 * from the folder; and the Grafana SDK stays out of the Lambda bundles.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";

const ROOT = resolve(import.meta.dirname, "../..");
const SLA_BIN = join(ROOT, "node_modules/.bin/sla");

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "sla-dashboards-cli-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function sla(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((res) => {
    execFile(
      SLA_BIN,
      args,
      { cwd: ROOT, timeout: 60_000, env: { ...process.env, ...env } },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === "number" ? err.code : -1) : 0;
        res({ code, stdout, stderr });
      },
    );
  });
}

const readJson = async (file: string) => JSON.parse(await readFile(file, "utf8"));

describe("sla dashboards", () => {
  it("writes the example config's overview, one dashboard per SLO and the provisioning file (exit 0)", async () => {
    const out = join(dir, "example");
    const r = await sla(["dashboards", "-c", "sla.config.example.yaml", "--out", out]);
    expect(r.code, r.stderr).toBe(0);
    expect((await readdir(out)).sort()).toEqual([
      "dashboards.yaml",
      "sla-overview.json",
      "sla-slo-api-availability.json",
      "sla-slo-checkout-latency.json",
      "sla-slo-checkout-success.json",
      "sla-slo-payments-errors.json",
      "sla-slo-search-errors.json",
      "sla-slo-search-latency-quantiles.json",
    ]);
    expect(r.stdout).toContain(`${out}: 7 dashboards (overview and 6 SLOs) and dashboards.yaml`);
    const overview = await readJson(join(out, "sla-overview.json"));
    expect(overview).toMatchObject({ uid: "sla-overview", timezone: "Europe/Berlin", weekStart: "monday" });
    const api = await readJson(join(out, "sla-slo-api-availability.json"));
    expect(api.title).toBe("SLO api-availability");
    expect(api.panels.map((p: { title: string }) => p.title)).toContain("TLS certificate: days left");
    const provisioning = parse(await readFile(join(out, "dashboards.yaml"), "utf8"));
    expect(provisioning.providers[0]).toMatchObject({ type: "file", options: { path: out } });

    // --grafana-path: where Grafana reads the files, written into the provider
    const r2 = await sla([
      "dashboards",
      "-c",
      "sla.config.example.yaml",
      "--out",
      out,
      "--grafana-path",
      "/var/lib/grafana/dashboards/sla",
    ]);
    expect(r2.code, r2.stderr).toBe(0);
    const p2 = parse(await readFile(join(out, "dashboards.yaml"), "utf8"));
    expect(p2.providers[0].options.path).toBe("/var/lib/grafana/dashboards/sla");
    // the same config gives the same files
    expect(await readJson(join(out, "sla-overview.json"))).toEqual(overview);
  });

  it("a bad config: exit 2 with the path and the value, nothing written", async () => {
    const cfg = join(dir, "bad.yaml");
    await writeFile(
      cfg,
      "slos:\n  - name: a\n    service: s\n    objective: 150\n    sli: { type: probe, target: x, selector: { job: j } }\n",
    );
    const out = join(dir, "bad-out");
    const r = await sla(["dashboards", "-c", cfg, "--out", out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("slos[0].objective");
    expect(r.stderr).toContain("150");
    await expect(readdir(out)).rejects.toThrow(/ENOENT/);
    const missing = await sla(["dashboards", "-c", join(dir, "nope.yaml"), "--out", out]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("nope.yaml");
  });

  it("a folder that cannot be written: exit 5 with the reason", async () => {
    const notADir = join(dir, "a-file");
    await writeFile(notADir, "not a folder");
    const r = await sla(["dashboards", "-c", "sla.config.example.yaml", "--out", notADir]);
    expect(r.code).toBe(5);
    expect(r.stderr).toContain(`cannot write the dashboards to ${notADir}`);
  });

  it("credentials from the environment reach neither the files nor the output", async () => {
    const cfg = join(dir, "secret.yaml");
    await writeFile(
      cfg,
      [
        "targets:",
        "  - name: api",
        "    url: https://api.example.test/health",
        "    headers: { Authorization: { env: SLA_TEST_API_TOKEN } }",
        "slos:",
        "  - { name: api-availability, service: api, objective: 99.9, sli: { type: probe, target: api } }",
        "prometheus:",
        "  url: https://prom.example.test",
        "  auth: { type: basic, username: prom-reader, password: { env: SLA_TEST_PROM_PASSWORD } }",
        "",
      ].join("\n"),
    );
    const out = join(dir, "secret-out");
    const secrets = {
      SLA_TEST_API_TOKEN: "Bearer tok-9f8e7d6c5b4a",
      SLA_TEST_PROM_PASSWORD: "pw-0a9b8c7d6e5f",
    };
    const r = await sla(["dashboards", "-c", cfg, "--out", out], secrets);
    expect(r.code, r.stderr).toBe(0);
    const texts = [r.stdout, r.stderr];
    for (const f of await readdir(out)) texts.push(await readFile(join(out, f), "utf8"));
    expect(texts).toHaveLength(2 + 3); // stdout, stderr, overview, the SLO, dashboards.yaml
    const basic = Buffer.from(`prom-reader:${secrets.SLA_TEST_PROM_PASSWORD}`).toString("base64");
    for (const t of texts) {
      for (const s of ["tok-9f8e7d6c5b4a", "pw-0a9b8c7d6e5f", basic, "prom.example.test"]) {
        expect(t).not.toContain(s);
      }
    }
  });

  it("removes the dashboards of SLOs no longer in the config, and only those", async () => {
    const out = join(dir, "stale");
    const cfg = (names: string[]) =>
      `slos:\n${names.map((n) => `  - { name: ${n}, service: s, objective: 99, sli: { type: probe, target: ${n}, selector: { job: j } } }\n`).join("")}`;
    await writeFile(join(dir, "two.yaml"), cfg(["one", "two"]));
    await writeFile(join(dir, "one.yaml"), cfg(["one"]));
    expect((await sla(["dashboards", "-c", join(dir, "two.yaml"), "--out", out])).code).toBe(0);
    await writeFile(join(out, "sla-mine.json"), '{"title":"mine, not generated"}');
    await writeFile(join(out, "notes.txt"), "mine");
    const r = await sla(["dashboards", "-c", join(dir, "one.yaml"), "--out", out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("removed");
    expect(r.stdout).toContain("sla-slo-two.json");
    expect((await readdir(out)).sort()).toEqual([
      "dashboards.yaml",
      "notes.txt",
      "sla-mine.json",
      "sla-overview.json",
      "sla-slo-one.json",
    ]);
  });

  it("the Grafana SDK stays out of the Lambda bundles (only the CLI uses it)", async () => {
    for (const handler of ["probe", "report", "viewer"]) {
      const r = await build({
        entryPoints: [join(ROOT, `packages/functions/src/${handler}.ts`)],
        bundle: true,
        platform: "node",
        format: "esm",
        target: "node22",
        mainFields: ["module", "main"],
        write: false,
        metafile: true,
        logLevel: "silent",
      });
      const inputs = Object.keys(r.metafile.inputs);
      expect(inputs.length).toBeGreaterThan(100);
      expect(inputs.filter((i) => i.includes("@grafana/") || i.includes("packages/cli/"))).toEqual([]);
    }
  });
});
