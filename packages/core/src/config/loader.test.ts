import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, formatConfigIssues } from "./issues.js";
import { applyStage, loadConfig, parseConfig } from "./loader.js";

const EXAMPLE = fileURLToPath(new URL("../../../../sla.config.example.yaml", import.meta.url));

async function rejection(p: Promise<unknown>): Promise<ConfigError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error("expected a ConfigError");
}

async function configError(pending: Promise<unknown>): Promise<ConfigError> {
  try {
    await pending;
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error("expected a ConfigError");
}

const MINIMAL_YAML = `
targets:
  - name: api
    url: https://api.example.com/health
slos:
  - name: api-availability
    service: api
    objective: 99.9
    sli: { type: probe, target: api }
stages:
  prod:
    slos:
      api-availability: { objective: 99.95 }
`;

describe("the example config", () => {
  it("validates and contains what it documents", async () => {
    const cfg = await loadConfig(EXAMPLE);
    expect(cfg.targets.map((t) => [t.name, t.method])).toEqual([
      ["api-health", "GET"],
      ["website", "HEAD"],
      ["search", "POST"],
    ]);
    expect(cfg.targets[0]!.headers.Authorization).toEqual({ env: "API_HEALTH_TOKEN" });
    expect(cfg.targets[2]!.body).toBeTypeOf("string");
    expect(cfg.targets[2]!.expect.bodyMatches).toBeTypeOf("string");
    const types = cfg.slos.map((s) =>
      s.sli.type === "ratio" ? (s.sli.good ? "ratio-good" : "ratio-bad") : s.sli.type,
    );
    expect(types).toEqual(["probe", "ratio-good", "ratio-bad", "ratio-bad", "latency", "quantile"]);
    expect(cfg.slos[3]!.sli).toMatchObject({ bad: { promql: expect.stringContaining("[{{.window}}]") } });
    expect(cfg.slos[0]!.maintenance).toHaveLength(1);
    expect(cfg.calendar.timeZone).toBe("Europe/Berlin");
    expect(cfg.prometheus.auth).toEqual({ type: "bearer", token: { env: "PROMETHEUS_TOKEN" } });
    expect(Object.keys(cfg.stages)).toEqual(["prod"]);
    expect(cfg.slos[0]!.objective).toBe(0.999);
  });

  it("applies its prod stage", async () => {
    const cfg = await loadConfig(EXAMPLE, { stage: "prod" });
    expect(cfg.slos[0]!.objective).toBe(0.9995);
    expect(cfg.slos[1]!.missingData).toBe("bad");
    expect(cfg.targets[0]!.timeoutMs).toBe(3000);
    expect(cfg.prometheus.auth).toEqual({ type: "sigv4", region: "eu-central-1", service: "aps" });
    expect(cfg.prometheus.remoteWriteUrl).toMatch(/\/workspaces\/ws-[0-9a-f-]+\/api\/v1\/remote_write$/);
  });

  it("has a comment on every top-level section", async () => {
    const text = await readFile(EXAMPLE, "utf8");
    const lines = text.split("\n");
    for (const section of ["calendar", "targets", "slos", "notify", "prometheus", "stages"]) {
      const at = lines.findIndex((l) => l.startsWith(`${section}:`));
      expect(at, section).toBeGreaterThan(0);
      expect(lines[at - 1]!.startsWith("#"), `comment above ${section}`).toBe(true);
    }
  });
});

describe("syntax errors", () => {
  it("reports YAML syntax errors with line and column", async () => {
    const text = "targets:\n  - name: api\n    url: https://a.example\n   method: [GET\nslos: []\n";
    const err = await configError(parseConfig(text, { format: "yaml", source: "sla.config.yaml" }));
    expect(err.issues.length).toBeGreaterThan(0);
    expect(err.issues[0]!.line).toBe(4);
    expect(err.issues[0]!.column).toBeTypeOf("number");
    expect(err.message).toMatch(
      /^sla\.config\.yaml: \d+ problems?\n {2}line 4, column \d+: YAML syntax error: /,
    );
  });

  it("does not echo the offending YAML line (it may hold a token)", async () => {
    const text = 'targets:\n  - name: api\n    headers: { Authorization: "Bearer abcdef123456" x }\n';
    const err = await configError(parseConfig(text, { format: "yaml" }));
    expect(err.issues[0]!.line).toBe(3);
    expect(err.message).not.toContain("abcdef123456");
  });

  it("rejects duplicate keys in YAML", async () => {
    const err = await configError(parseConfig("slos: []\nslos: []\n", { format: "yaml" }));
    expect(err.issues[0]!.line).toBe(2);
    expect(err.issues[0]!.message).toMatch(/unique/i);
  });

  it("reports JSON syntax errors with a position where the parser gives one", async () => {
    const err = await configError(
      parseConfig('{\n  "targets": [],\n}', { format: "json", source: "c.json" }),
    );
    expect(err.issues[0]!.line).toBe(3);
    expect(err.message).toMatch(/^c\.json: 1 problem\n {2}line 3, column 1: invalid JSON: /);
  });

  it("does not echo JSON input in the error", async () => {
    const err = await configError(
      parseConfig('{"targets": [{"headers": {"A": s3cr3t-v4lue}}]}', { format: "json" }),
    );
    expect(err.message).toMatch(/invalid JSON/);
    expect(err.message).not.toContain("s3cr3t-v4lue");
  });

  it("rejects empty files and non-mapping documents", async () => {
    expect((await configError(parseConfig("", { format: "yaml" }))).issues[0]!.message).toBe(
      "the file is empty",
    );
    expect((await configError(parseConfig("- a\n- b\n", { format: "yaml" }))).issues[0]!.message).toMatch(
      /top level must be a mapping/,
    );
  });
});

describe("parseConfig", () => {
  it("reads YAML with anchors and merge keys", async () => {
    const text = [
      "targets:",
      "  - &base",
      "    name: a",
      "    url: https://a.example",
      "    timeoutMs: 3000",
      "  - <<: *base",
      "    name: b",
    ].join("\n");
    const cfg = await parseConfig(text, { format: "yaml" });
    expect(cfg.targets.map((t) => [t.name, t.timeoutMs])).toEqual([
      ["a", 3000],
      ["b", 3000],
    ]);
  });

  it("keeps unquoted YAML timestamps as strings with their offset", async () => {
    const text = `${MINIMAL_YAML.replace("stages:", "    maintenance:\n      - { start: 2026-10-03T22:00:00+02:00, end: 2026-10-04T02:00:00+02:00, reason: db }\nstages:")}`;
    const cfg = await parseConfig(text, { format: "yaml" });
    expect(cfg.slos[0]!.maintenance[0]!.start).toBe("2026-10-03T22:00:00+02:00");
  });

  it("applies the stage and validates again", async () => {
    expect((await parseConfig(MINIMAL_YAML, { format: "yaml" })).slos[0]!.objective).toBe(0.999);
    expect((await parseConfig(MINIMAL_YAML, { format: "yaml", stage: "prod" })).slos[0]!.objective).toBe(
      0.9995,
    );
  });

  it("validates override values even when the stage is not selected", async () => {
    const raw = {
      targets: [{ name: "a", url: "https://a.example" }],
      stages: { prod: { targets: { a: { url: "x" } } } },
    };
    const err = await configError(parseConfig(JSON.stringify(raw), { format: "json", source: "c.json" }));
    expect(err.message).toBe(
      'c.json: 1 problem\n  stages.prod.targets.a.url: must be an absolute http:// or https:// URL (got "x")',
    );
  });
});

describe("applyStage", () => {
  it("merges overrides into a copy and leaves the input alone", () => {
    const raw = {
      targets: [{ name: "a", url: "https://a.example", latency: { warnMs: 1, critMs: 2 } }],
      slos: [{ name: "s", objective: 99, maintenance: [{ reason: "old" }] }],
      prometheus: { url: "https://p.example", timeoutMs: 1000 },
      stages: {
        prod: {
          targets: { a: { timeoutMs: 500 } },
          slos: { s: { maintenance: [] } },
          prometheus: { auth: { type: "bearer", token: "t" } },
        },
      },
    };
    const before = structuredClone(raw);
    const merged = applyStage(raw, "prod") as typeof raw & {
      targets: { timeoutMs?: number }[];
      prometheus: { auth?: unknown };
    };
    expect(raw).toEqual(before);
    expect(merged.targets[0]).toEqual({ ...raw.targets[0], timeoutMs: 500 });
    expect(merged.slos[0]!.maintenance).toEqual([]);
    expect(merged.prometheus).toEqual({
      url: "https://p.example",
      timeoutMs: 1000,
      auth: { type: "bearer", token: "t" },
    });
    expect(applyStage(raw, "dev")).toBe(raw);
  });
});

describe("loadConfig with real files", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "sla-config-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("loads .yaml, .yml and .json files", async () => {
    const parsed = await parseConfig(MINIMAL_YAML, { format: "yaml" });
    await writeFile(join(dir, "a.yaml"), MINIMAL_YAML);
    await writeFile(join(dir, "b.yml"), MINIMAL_YAML);
    const json = {
      targets: [{ name: "api", url: "https://api.example.com/health" }],
      slos: [
        { name: "api-availability", service: "api", objective: 99.9, sli: { type: "probe", target: "api" } },
      ],
      stages: { prod: { slos: { "api-availability": { objective: 99.95 } } } },
    };
    await writeFile(join(dir, "c.json"), `\uFEFF${JSON.stringify(json, null, 2)}`);
    expect(await loadConfig(join(dir, "a.yaml"))).toEqual(parsed);
    expect(await loadConfig(join(dir, "b.yml"))).toEqual(parsed);
    expect(await loadConfig(join(dir, "c.json"))).toEqual(parsed);
    expect((await loadConfig(join(dir, "c.json"), { stage: "prod" })).slos[0]!.objectivePercent).toBe(99.95);
  });

  it("reports every problem of a bad file with the file name", async () => {
    const path = join(dir, "bad.yaml");
    await writeFile(
      path,
      [
        "targets:",
        "  - name: api",
        "    url: https://api.example.com",
        "    timeoutMS: 5000",
        "    headers:",
        "      Authorization: Bearer tok_DO_NOT_LEAK_4242",
        "      X-Bad: 12",
        "  - name: api",
        "    url: not a url",
        "slos:",
        "  - name: s",
        "    service: x",
        "    objective: 100",
        "    sli: { type: probe, target: apii }",
        "calendar:",
        "  timeZone: Europe/Berlinn",
      ].join("\n"),
    );
    const err = await rejection(loadConfig(path));
    expect(err.source).toBe(path);
    expect(err.message.split("\n")[0]).toBe(`${path}: 7 problems`);
    expect(err.issues.map((i) => i.path)).toEqual([
      "calendar.timeZone",
      "targets[0].headers.X-Bad",
      "targets[0].timeoutMS",
      "targets[1].url",
      "targets[1].name",
      "slos[0].objective",
      "slos[0].sli.target",
    ]);
    expect(err.message).not.toContain("tok_DO_NOT_LEAK_4242");
    expect(JSON.stringify(err.issues)).not.toContain("tok_DO_NOT_LEAK_4242");
  });

  it("reports a missing file and an unsupported extension", async () => {
    const missing = await rejection(loadConfig(join(dir, "nope.yaml")));
    expect(missing.message).toBe(
      `${join(dir, "nope.yaml")}: 1 problem\n  cannot read the file: file not found`,
    );
    await writeFile(join(dir, "x.toml"), "a = 1");
    const ext = await rejection(loadConfig(join(dir, "x.toml")));
    expect(ext.issues[0]!.message).toMatch(/unsupported file extension/);
  });
});

describe("formatConfigIssues", () => {
  it("writes a header and one indented line per issue", () => {
    const text = formatConfigIssues(
      [
        { path: "slos[0].objective", message: "must be below 100", value: "100" },
        { path: "", message: "YAML syntax error: x", line: 3, column: 7 },
        { path: "targets[0].headers.A", message: "bad", value: "<redacted>" },
      ],
      { source: "sla.config.yaml", stage: "prod" },
    );
    expect(text).toBe(
      [
        'sla.config.yaml (stage "prod"): 3 problems',
        "  slos[0].objective: must be below 100 (got 100)",
        "  line 3, column 7: YAML syntax error: x",
        "  targets[0].headers.A: bad (got <redacted>)",
      ].join("\n"),
    );
  });
});

describe("bounded input", () => {
  const one = async (text: string, format: "json" | "yaml") =>
    (await configError(parseConfig(text, { format }))).issues;

  it("refuses deep nesting before parsing, in JSON and YAML, with a line", async () => {
    for (const [text, format] of [
      ["[".repeat(50_000) + "]".repeat(50_000), "json"],
      [`{"targets":${'{"a":'.repeat(50_000)}1${"}".repeat(50_001)}`, "json"],
      [`targets: ${"[".repeat(50_000)}${"]".repeat(50_000)}`, "yaml"],
      // twice in one process: the YAML parser used to run V8 out of memory the second time
      [`targets: ${"[".repeat(50_000)}${"]".repeat(50_000)}`, "yaml"],
    ] as const) {
      const [issue] = await one(text, format);
      expect(issue).toMatchObject({
        line: 1,
        message: expect.stringMatching(/^nesting deeper than 32 levels/),
      });
    }
    // brackets inside strings and YAML comments do not count
    const quoted = `targets: []\n# ${"[".repeat(100)}\nslos: []\ncalendar: { timeZone: "UTC" }\n`;
    await expect(parseConfig(quoted, { format: "yaml" })).resolves.toBeDefined();
    await expect(parseConfig(`{"$schema": "${"[".repeat(100)}"}`, { format: "json" })).resolves.toBeDefined();
  });

  it("refuses a file over 1 MiB", async () => {
    const [issue] = await one(`# ${"x".repeat(1024 * 1024)}\n`, "yaml");
    expect(issue!.message).toMatch(/^the file is 1048579 characters; the limit is 1048576 \(1 MiB\)/);
  });

  it("a duplicate key is an error in JSON as in YAML, with line and column", async () => {
    const [issue] = await one('{\n  "targets": [],\n  "slos": [],\n  "targets": []\n}', "json");
    expect(issue).toMatchObject({ line: 4, message: "invalid JSON: duplicate key in an object" });
    expect((await one("targets: []\ntargets: []\n", "yaml"))[0]!.message).toMatch(/unique/);
  });

  it("finds duplicate JSON keys after escapes decode, per object, never in values or arrays", async () => {
    // "\u0074argets" is "targets": the same key however it is spelled
    const [issue] = await one('{"targets": [],\n "slos": [], "\\u0074argets": []}', "json");
    expect(issue).toMatchObject({ line: 2, column: 14, message: "invalid JSON: duplicate key in an object" });
    // the same key in sibling and nested objects, and key-like text in strings, are fine
    const fine = JSON.stringify({
      targets: [
        { name: "a", url: "http://127.0.0.1/", labels: { name: "x" } },
        { name: "b", url: "http://127.0.0.1/", body: '{"name": 1, "name": 2}', method: "POST" },
      ],
      slos: [],
    });
    await expect(parseConfig(fine, { format: "json" })).resolves.toBeDefined();
    const nested = '{"targets": [{"name": "a", "url": "http://127.0.0.1/", "labels": {"x": "1", "x": "2"}}]}';
    expect((await one(nested, "json"))[0]).toMatchObject({
      line: 1,
      column: nested.lastIndexOf('"x"') + 1,
    });
  });

  it("an objective that rounds to 100 % is an error", async () => {
    const cfg = (objective: number) =>
      JSON.stringify({
        targets: [{ name: "t", url: "http://127.0.0.1/" }],
        slos: [{ name: "a", service: "s", objective, sli: { type: "probe", target: "t" } }],
      });
    const [issue] = await one(cfg(99.99999999999999), "json");
    expect(issue).toMatchObject({
      path: "slos[0].objective",
      message: expect.stringMatching(/^rounds to 100%/),
    });
    expect((await parseConfig(cfg(99.9999), { format: "json" })).slos[0]!.objective).toBe(0.999999);
  });
});
