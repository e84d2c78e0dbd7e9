import { describe, expect, it } from "vitest";
import { ConfigError } from "./issues.js";
import { parseConfig, validateConfig } from "./loader.js";
import { crossFieldIssues, percentToRatio, type Target } from "./schema.js";
import { base, errorOf, issueAt } from "./test-helpers.js";

describe("defaults", () => {
  it("fills every default and exposes the objective as a ratio and a percent", async () => {
    const cfg = await validateConfig(base());
    const t = cfg.targets[0]!;
    expect(t).toEqual({
      name: "api",
      url: "https://api.example.com/health",
      method: "GET",
      headers: {},
      expect: {
        status: [{ min: 200, max: 299 }],
        maxBodyBytes: 1024 * 1024,
        followRedirects: true,
        maxRedirects: 10,
        allowInsecureRedirects: false,
      },
      timeoutMs: 10_000,
      tls: { minDaysToExpiry: 14, insecureSkipVerify: false },
      labels: {},
    } satisfies Target);
    const slo = cfg.slos[0]!;
    expect(slo.objective).toBe(0.999);
    expect(slo.objectivePercent).toBe(99.9);
    expect(slo.windows).toEqual(["weekly", "monthly"]);
    expect(slo.missingData).toBe("unknown");
    expect(slo.minCoverage).toBe(0.9);
    expect(slo.maintenance).toEqual([]);
    expect(slo.sli).toEqual({ type: "probe", target: "api", intervalSeconds: 60, downWhen: "majority" });
    expect(cfg.calendar).toEqual({ timeZone: "UTC", weekStartsOn: "monday" });
    expect(cfg.notify).toEqual({
      downAfter: 3,
      recoverAfter: 2,
      tlsWarnDays: 14,
      burnRate: { fast: 14.4, slow: 6, ticket: 1 },
      budgetWarningRemaining: 0.25,
      weeklySummary: false,
      monthlySummary: true,
    });
    expect(cfg.prometheus).toEqual({
      url: "http://127.0.0.1:9090",
      remoteWriteUrl: "http://127.0.0.1:9090/api/v1/write",
      auth: { type: "none" },
      timeoutMs: 30_000,
    });
    expect(cfg.stages).toEqual({});
  });

  it("accepts an empty mapping (no targets, no SLOs)", async () => {
    const cfg = await validateConfig({});
    expect(cfg.targets).toEqual([]);
    expect(cfg.slos).toEqual([]);
  });

  it("converts percents to ratios without binary noise", () => {
    expect(99.9 / 100).not.toBe(0.999); // the reason percentToRatio exists
    expect(percentToRatio(99.9)).toBe(0.999);
    expect(percentToRatio(99.95)).toBe(0.9995);
    expect(percentToRatio(99.99)).toBe(0.9999);
    expect(percentToRatio(95)).toBe(0.95);
  });
});

describe("targets", () => {
  it("normalises expect.status to ranges (code, range, class)", async () => {
    const raw = base();
    raw.targets[0].expect = { status: [200, "301-302", "4xx", " 204 "] };
    const cfg = await validateConfig(raw);
    expect(cfg.targets[0]!.expect.status).toEqual([
      { min: 200, max: 200 },
      { min: 301, max: 302 },
      { min: 400, max: 499 },
      { min: 204, max: 204 },
    ]);
  });

  it("rejects bad status items, naming each one", async () => {
    const raw = base();
    raw.targets[0].expect = { status: [99, 700, "300-200", "6xx", "ok", 200.5] };
    const err = await errorOf(raw);
    expect(issueAt(err, "targets[0].expect.status[0]").value).toBe("99");
    expect(issueAt(err, "targets[0].expect.status[1]").message).toMatch(/between 100 and 599/);
    expect(issueAt(err, "targets[0].expect.status[2]").message).toMatch(/start must not be above its end/);
    expect(issueAt(err, "targets[0].expect.status[3]").value).toBe('"6xx"');
    expect(issueAt(err, "targets[0].expect.status[4]").message).toMatch(
      /range \("200-299"\) or a class \("2xx"\)/,
    );
    expect(issueAt(err, "targets[0].expect.status[5]").value).toBe("200.5");
  });

  it("reports wrong types with path and value", async () => {
    const raw = base();
    raw.targets[0].timeoutMs = "5000";
    raw.targets[0].method = "PUT";
    raw.targets[0].tls = { minDaysToExpiry: -1 };
    const err = await errorOf(raw);
    const timeout = issueAt(err, "targets[0].timeoutMs");
    expect(timeout.message).toBe("expected a number, not a string");
    expect(timeout.value).toBe('"5000"');
    expect(issueAt(err, "targets[0].method").message).toBe('must be one of "GET", "HEAD", "POST"');
    expect(issueAt(err, "targets[0].tls.minDaysToExpiry").message).toBe("must be at least 0");
    expect(err.message).toContain('targets[0].timeoutMs: expected a number, not a string (got "5000")');
  });

  it("rejects timeoutMs out of range", async () => {
    const raw = base();
    raw.targets[0].timeoutMs = 60_001;
    expect(issueAt(await errorOf(raw), "targets[0].timeoutMs").message).toBe("must be at most 60000");
    raw.targets[0].timeoutMs = 99;
    expect(issueAt(await errorOf(raw), "targets[0].timeoutMs").message).toBe("must be at least 100");
  });

  it("rejects bad URLs", async () => {
    const raw = base();
    raw.targets[0].url = "api.example.com/health";
    raw.targets.push({ name: "ftp", url: "ftp://files.example.com/" });
    const err = await errorOf(raw);
    const notUrl = issueAt(err, "targets[0].url");
    expect(notUrl.message).toBe("must be an absolute http:// or https:// URL");
    expect(notUrl.value).toBe('"api.example.com/health"');
    expect(issueAt(err, "targets[1].url").message).toMatch(/scheme "ftp" is not supported/);
  });

  it("rejects a bodyMatches regex that does not compile", async () => {
    const raw = base();
    raw.targets[0].expect = { bodyMatches: "ok(" };
    const issue = issueAt(await errorOf(raw), "targets[0].expect.bodyMatches");
    expect(issue.message).toMatch(/^is not a valid RE2 regular expression: missing closing \)/);
    expect(issue.value).toBe('"ok("');
  });

  it("validates bodyMatches as RE2: JavaScript-only syntax is an error naming the path, the value and why", async () => {
    const raw = base();
    const patterns = ["(?<=id=)\\d+", "(a)\\1", "ok(?=!)"];
    raw.targets = patterns.map((bodyMatches, i) => ({
      name: `t${i}`,
      url: "https://api.example.com/health",
      expect: { bodyMatches },
    }));
    raw.slos = [];
    const err = await errorOf(raw);
    const reasons = ["RE2 has no lookbehind", "RE2 has no backreferences", "RE2 has no lookahead"];
    patterns.forEach((p, i) => {
      const issue = issueAt(err, `targets[${i}].expect.bodyMatches`);
      expect(issue.message).toMatch(/^is not a valid RE2 regular expression: /);
      expect(issue.message).toContain(reasons[i]);
      expect(issue.value).toBe(JSON.stringify(p));
    });
    expect(err.message).toContain("targets[0].expect.bodyMatches");
    // what RE2 does accept: inline flags, classes, the catastrophic-for-backtracking (a+)+$ (linear in RE2)
    const ok = base();
    ok.targets[0].expect = { bodyMatches: '(?i)"status":\\s*"UP"|(a+)+$|[[:digit:]]{3}' };
    expect((await validateConfig(ok)).targets[0]!.expect.bodyMatches).toBeTypeOf("string");
  });

  it("redirects: followed by default (10), configurable, bounded", async () => {
    const raw = base();
    raw.targets[0].expect = { followRedirects: false, maxRedirects: 3, allowInsecureRedirects: true };
    expect((await validateConfig(raw)).targets[0]!.expect).toMatchObject({
      followRedirects: false,
      maxRedirects: 3,
      allowInsecureRedirects: true,
    });
    raw.targets[0].expect = { maxRedirects: -1 };
    expect(issueAt(await errorOf(raw), "targets[0].expect.maxRedirects").value).toBe("-1");
  });

  it("checks warnMs < critMs < timeoutMs", async () => {
    const raw = base();
    raw.targets[0].latency = { warnMs: 500, critMs: 500 };
    raw.targets.push({
      name: "b",
      url: "https://b.example.com",
      timeoutMs: 1000,
      latency: { warnMs: 100, critMs: 1000 },
    });
    const err = await errorOf(raw);
    const warn = issueAt(err, "targets[0].latency.warnMs");
    expect(warn.message).toBe("must be below latency.critMs (500)");
    expect(warn.value).toBe("500");
    const crit = issueAt(err, "targets[1].latency.critMs");
    expect(crit.message).toMatch(/^must be below timeoutMs \(1000\)/);
  });

  it("compares critMs with the default timeout when timeoutMs is not given", async () => {
    const raw = base();
    raw.targets[0].latency = { warnMs: 100, critMs: 10_000 };
    expect(issueAt(await errorOf(raw), "targets[0].latency.critMs").message).toMatch(/timeoutMs \(10000\)/);
  });

  it("rejects duplicate target names", async () => {
    const raw = base();
    raw.targets.push({ name: "api", url: "https://other.example.com" });
    const issue = issueAt(await errorOf(raw), "targets[1].name");
    expect(issue.message).toBe("duplicate target name (also targets[0].name)");
    expect(issue.value).toBe('"api"');
  });

  it("rejects names with characters unsafe for labels and keys", async () => {
    const raw = base();
    raw.targets[0].name = "api health/v1";
    raw.slos[0].name = "..";
    raw.slos[0].sli = { type: "probe", target: "api health/v1" };
    const err = await errorOf(raw);
    expect(issueAt(err, "targets[0].name").message).toMatch(/only letters, digits/);
    expect(issueAt(err, "slos[0].name").message).toMatch(/dots only/);
  });

  it("rejects target and SLO names that collide with object internals, naming path and value", async () => {
    for (const name of ["__proto__", "constructor", "prototype", "__remote_write__"]) {
      const raw = base();
      raw.targets[0].name = name;
      raw.slos[0].name = name;
      raw.slos[0].sli.target = name;
      const err = await errorOf(raw);
      for (const path of ["targets[0].name", "slos[0].name"]) {
        const issue = issueAt(err, path);
        expect(issue.message).toMatch(
          /^is reserved: names starting with "__", "constructor" and "prototype"/,
        );
        expect(issue.value).toBe(JSON.stringify(name));
        expect(err.message).toContain(`  ${path}: is reserved: `);
        expect(err.message).toContain(`(got ${JSON.stringify(name)})`);
      }
    }
    const raw = base();
    raw.targets[0].name = "api__proto__";
    raw.slos[0].name = "constructors";
    raw.slos[0].sli.target = "api__proto__";
    expect((await validateConfig(raw)).targets[0]!.name).toBe("api__proto__");
  });

  it("rejects __proto__ keys in labels, headers and stages (JSON and YAML) instead of dropping them", async () => {
    const json = JSON.stringify({
      targets: [{ name: "api", url: "https://api.example.com/health", labels: { team: "a" }, headers: {} }],
      stages: { prod: { targets: {} } },
    })
      .replace('"labels":{', '"labels":{"__proto__":"x",')
      .replace('"headers":{}', '"headers":{"__proto__":"secret-value"}')
      .replace('"stages":{', '"stages":{"__proto__":{"targets":{}},')
      .replace('"prod":{"targets":{}}', '"prod":{"targets":{"__proto__":{"timeoutMs":500}},"slos":{}}')
      .replace('"url":', '"expect":{"__proto__":{}},"url":');
    const jsonErr = await (async () => {
      try {
        await parseConfig(json, { format: "json", source: "t.json" });
      } catch (e) {
        if (e instanceof ConfigError) return e;
      }
      throw new Error("expected a ConfigError");
    })();
    const paths = [
      "targets[0].expect.__proto__",
      "targets[0].labels.__proto__",
      "targets[0].headers.__proto__",
      "stages.__proto__",
      "stages.prod.targets.__proto__",
    ];
    for (const path of paths) {
      expect(issueAt(jsonErr, path).message).toBe(
        'the key "__proto__" is not allowed (it would replace the object\'s prototype)',
      );
      expect(issueAt(jsonErr, path).value).toBeUndefined();
      // one message per path: the strict object's "unknown key" is not repeated
      expect(jsonErr.issues.filter((i) => i.path === path)).toHaveLength(1);
    }
    expect(jsonErr.message).not.toContain("secret-value");
    expect(Object.prototype).not.toHaveProperty("timeoutMs");

    const yaml = [
      "targets:",
      "  - name: api",
      "    url: https://api.example.com/health",
      "    labels:",
      "      __proto__: x",
      "      team: a",
      "stages:",
      "  __proto__:",
      "    targets: {}",
      "",
    ].join("\n");
    const yamlErr = await (async () => {
      try {
        await parseConfig(yaml, { format: "yaml", source: "t.yaml" });
      } catch (e) {
        if (e instanceof ConfigError) return e;
      }
      throw new Error("expected a ConfigError");
    })();
    expect(yamlErr.issues.map((i) => i.path)).toEqual(["targets[0].labels.__proto__", "stages.__proto__"]);
  });

  it("allows body only with POST", async () => {
    const raw = base();
    raw.targets[0].body = "{}";
    expect(issueAt(await errorOf(raw), "targets[0].body").message).toBe(
      "is only allowed with method POST (method is GET)",
    );
    raw.targets[0].method = "POST";
    expect((await validateConfig(raw)).targets[0]!.body).toBe("{}");
  });

  it("validates label names and rejects reserved ones", async () => {
    const raw = base();
    raw.targets[0].labels = { team: "a", "bad-name": "x", instance: "x", __meta: "x", job: "x", tier: 1 };
    const err = await errorOf(raw);
    expect(issueAt(err, "targets[0].labels.bad-name").message).toMatch(/invalid label name "bad-name"/);
    expect(issueAt(err, "targets[0].labels.instance").message).toMatch(/reserved/);
    expect(issueAt(err, "targets[0].labels.__meta").message).toMatch(/reserved/);
    expect(issueAt(err, "targets[0].labels.job").message).toMatch(/reserved/);
    expect(issueAt(err, "targets[0].labels.tier").message).toBe("expected a string, not a number");
    expect(err.issues.some((i) => i.path === "targets[0].labels.team")).toBe(false);
  });

  it("accepts header values as plain strings, env refs and ssm refs; rejects others", async () => {
    const raw = base();
    raw.targets[0].headers = {
      Accept: "text/plain",
      Authorization: { env: "API_TOKEN" },
      "X-Key": { ssm: "/a/b" },
    };
    expect((await validateConfig(raw)).targets[0]!.headers).toEqual(raw.targets[0].headers);
    raw.targets[0].headers = { A: { env: "not a name" }, B: 5, C: { env: "X", ssm: "/y" }, "Bad Name": "x" };
    const err = await errorOf(raw);
    expect(issueAt(err, "targets[0].headers.A.env").message).toMatch(/environment variable name/);
    expect(issueAt(err, "targets[0].headers.B").message).toMatch(/must be a string, \{ env: "NAME" \}/);
    expect(issueAt(err, "targets[0].headers.C").message).toMatch(/must be a string, \{ env: "NAME" \}/);
    expect(issueAt(err, 'targets[0].headers["Bad Name"]').message).toBe('invalid header name "Bad Name"');
  });

  it("rejects header values with line breaks (header injection)", async () => {
    const raw = base();
    raw.targets[0].headers = { "X-A": "a\r\nX-Evil: 1" };
    expect(issueAt(await errorOf(raw), "targets[0].headers.X-A").message).toMatch(/line breaks/);
  });
});

describe("unknown keys", () => {
  it("rejects unknown top-level keys with a suggestion", async () => {
    const raw = base();
    raw.target = [];
    const issue = issueAt(await errorOf(raw), "target");
    expect(issue.message).toBe('unknown key (did you mean "targets"?)');
  });

  it("rejects a nested typo such as timeoutMS", async () => {
    const raw = base();
    raw.targets[0].timeoutMS = 5000;
    const err = await errorOf(raw);
    expect(issueAt(err, "targets[0].timeoutMS").message).toBe('unknown key (did you mean "timeoutMs"?)');
    expect(err.message).toContain('targets[0].timeoutMS: unknown key (did you mean "timeoutMs"?)');
  });

  it("lists the allowed keys when nothing is close", async () => {
    const raw = base();
    raw.calendar = { zone: "UTC" };
    expect(issueAt(await errorOf(raw), "calendar.zone").message).toBe(
      "unknown key (allowed: timeZone, weekStartsOn)",
    );
  });

  it("rejects unknown keys inside a discriminated union option and in deep objects", async () => {
    const raw = base();
    raw.slos[0].sli.intervalSecs = 30;
    raw.notify = { burnRate: { fastt: 10 } };
    raw.prometheus = { auth: { type: "bearer", token: "abcd", user: "x" } };
    const err = await errorOf(raw);
    expect(issueAt(err, "slos[0].sli.intervalSecs").message).toBe(
      'unknown key (did you mean "intervalSeconds"?)',
    );
    expect(issueAt(err, "notify.burnRate.fastt").message).toBe('unknown key (did you mean "fast"?)');
    expect(issueAt(err, "prometheus.auth.user").message).toMatch(/^unknown key/);
  });
});

describe("calendar", () => {
  it("rejects an unknown time zone and names it", async () => {
    const raw = base();
    raw.calendar = { timeZone: "Europe/Berlinn" };
    const err = await errorOf(raw);
    const issue = issueAt(err, "calendar.timeZone");
    expect(issue.message).toBe('unknown IANA time zone "Europe/Berlinn" (did you mean "Europe/Berlin"?)');
    expect(issue.value).toBe('"Europe/Berlinn"');
  });

  it("canonicalises the zone spelling", async () => {
    const raw = base();
    raw.calendar = { timeZone: "europe/berlin" };
    expect((await validateConfig(raw)).calendar.timeZone).toBe("Europe/Berlin");
  });

  it("supports only Monday week starts", async () => {
    const raw = base();
    raw.calendar = { weekStartsOn: "sunday" };
    expect(issueAt(await errorOf(raw), "calendar.weekStartsOn").message).toMatch(
      /only "monday" is supported/,
    );
  });
});

describe("SLOs", () => {
  it.each([
    [100, /must be below 100: an objective of 100% leaves no error budget/],
    [0, /must be above 0/],
    [101, /must be below 100: the objective is a percent/],
    [-5, /must be above 0/],
  ])("rejects objective %s with an explanation", async (objective, message) => {
    const raw = base();
    raw.slos[0].objective = objective;
    const err = await errorOf(raw);
    const issue = issueAt(err, "slos[0].objective");
    expect(issue.message).toMatch(message);
    expect(issue.value).toBe(String(objective));
    expect(err.message).toContain(`slos[0].objective: must be`);
    expect(err.message).toContain(`(got ${objective})`);
  });

  it("rejects duplicate SLO names and the reserved name all", async () => {
    const raw = base();
    raw.slos.push({ ...raw.slos[0] });
    raw.slos.push({ ...raw.slos[0], name: "all" });
    const err = await errorOf(raw);
    expect(issueAt(err, "slos[1].name").message).toBe("duplicate SLO name (also slos[0].name)");
    expect(issueAt(err, "slos[2].name").message).toMatch(/reserved/);
  });

  it("rejects a probe SLI naming an unknown target, listing the known ones", async () => {
    const raw = base();
    raw.slos[0].sli.target = "apii";
    const issue = issueAt(await errorOf(raw), "slos[0].sli.target");
    expect(issue.message).toMatch(/^no target with this name \(known: "api"\)/);
    expect(issue.value).toBe('"apii"');
  });

  it("allows a probe SLI for a target probed elsewhere when a selector is given", async () => {
    const raw = base();
    raw.slos[0].sli = { type: "probe", target: "legacy", selector: { job: "blackbox" } };
    expect((await validateConfig(raw)).slos[0]!.sli).toEqual({
      type: "probe",
      target: "legacy",
      selector: { job: "blackbox" },
      intervalSeconds: 60,
      downWhen: "majority",
    });
  });

  it("takes downWhen any | majority | all for probe SLIs and refuses anything else, naming the path", async () => {
    for (const downWhen of ["any", "majority", "all"] as const) {
      const raw = base();
      raw.slos[0].sli = { type: "probe", target: "api", downWhen };
      expect((await validateConfig(raw)).slos[0]!.sli).toMatchObject({ downWhen });
    }
    const raw = base();
    raw.slos[0].sli = { type: "probe", target: "api", downWhen: "most" };
    await expect(validateConfig(raw)).rejects.toThrow(
      /slos\[0\]\.sli\.downWhen: must be one of "any", "majority", "all"/,
    );
  });

  it("requires a target or selector for probe SLIs", async () => {
    const raw = base();
    raw.slos[0].sli = { type: "probe" };
    expect(issueAt(await errorOf(raw), "slos[0].sli.target").message).toMatch(/^is required/);
  });

  it("requires exactly one of good/bad in ratio SLIs", async () => {
    const raw = base();
    raw.slos[0].sli = { type: "ratio", total: { metric: "http_requests_total" } };
    expect(issueAt(await errorOf(raw), "slos[0].sli").message).toMatch(/needs good or bad/);
    raw.slos[0].sli.good = { metric: "a_total" };
    raw.slos[0].sli.bad = { metric: "b_total" };
    expect(issueAt(await errorOf(raw), "slos[0].sli").message).toMatch(/either good or bad, not both/);
  });

  it("parses each SLI type", async () => {
    const raw = base();
    raw.slos = [
      {
        name: "r",
        service: "s",
        objective: 99,
        sli: {
          type: "ratio",
          bad: { metric: "http_requests_total", labels: { job: 'a"b' }, labelsRegex: { code: "5.." } },
          total: { metric: "http_requests_total" },
        },
      },
      {
        name: "l",
        service: "s",
        objective: 95,
        sli: { type: "latency", metric: "http_request_duration_seconds", thresholdSeconds: 0.25 },
      },
      {
        name: "q",
        service: "s",
        objective: 90,
        sli: { type: "quantile", metric: "http_request_duration_seconds", targetSeconds: { "0.950": 0.5 } },
      },
    ];
    const cfg = await validateConfig(raw);
    expect(cfg.slos.map((s) => s.sli.type)).toEqual(["ratio", "latency", "quantile"]);
    expect(cfg.slos[1]!.objective).toBe(0.95);
    const qs = cfg.slos[2]!.sli;
    expect(qs.type === "quantile" && qs.quantiles).toEqual([0.95, 0.99]);
    expect(qs.type === "quantile" && qs.targetSeconds).toEqual({ "0.95": 0.5 });
  });

  it("rejects a bad SLI type, bad metric names, bad regex matchers and bad quantiles", async () => {
    const raw = base();
    raw.slos = [
      { name: "a", service: "s", objective: 99, sli: { type: "availability" } },
      {
        name: "b",
        service: "s",
        objective: 99,
        sli: { type: "ratio", good: { metric: "1bad" }, total: { metric: "t", labelsRegex: { code: "5(" } } },
      },
      {
        name: "c",
        service: "s",
        objective: 99,
        sli: { type: "latency", metric: "h_bucket", thresholdSeconds: 0 },
      },
      {
        name: "d",
        service: "s",
        objective: 99,
        sli: { type: "quantile", metric: "h", quantiles: [0.5, 1], targetSeconds: { "0.9": 1 } },
      },
      { name: "e", service: "s", objective: 99, sli: "probe" },
    ];
    const err = await errorOf(raw);
    expect(issueAt(err, "slos[0].sli.type").message).toBe(
      'must be one of "probe", "ratio", "latency", "quantile"',
    );
    expect(issueAt(err, "slos[1].sli.good.metric").message).toMatch(/Prometheus metric name/);
    expect(issueAt(err, "slos[1].sli.total.labelsRegex.code").message).toMatch(
      /not a valid RE2 regular expression/,
    );
    expect(issueAt(err, "slos[2].sli.metric").message).toMatch(/without the _bucket suffix/);
    expect(issueAt(err, "slos[2].sli.thresholdSeconds").message).toBe("must be above 0");
    expect(issueAt(err, "slos[3].sli.quantiles[1]").message).toBe("must be below 1");
    expect(issueAt(err, "slos[4].sli").message).toMatch(/expected a mapping with a type/);
  });

  it("checks quantile target keys against the listed quantiles", async () => {
    const raw = base();
    raw.slos[0].sli = { type: "quantile", metric: "h", quantiles: [0.95], targetSeconds: { "0.99": 1 } };
    expect(issueAt(await errorOf(raw), 'slos[0].sli.targetSeconds["0.99"]').message).toMatch(
      /not one of the listed quantiles/,
    );
  });

  it("validates windows, missingData and minCoverage", async () => {
    const raw = base();
    raw.slos[0].windows = ["daily", "weekly", "weekly"];
    raw.slos[0].missingData = "ignore";
    raw.slos[0].minCoverage = 1.5;
    const err = await errorOf(raw);
    expect(issueAt(err, "slos[0].windows[0]").message).toBe(
      'must be one of "weekly", "monthly", "quarterly", "yearly"',
    );
    expect(issueAt(err, "slos[0].windows[0]").value).toBe('"daily"');
    expect(issueAt(err, "slos[0].missingData").message).toBe('must be one of "unknown", "good", "bad"');
    expect(issueAt(err, "slos[0].minCoverage").message).toBe("must be at most 1");
  });

  it("accepts quarterly and yearly windows; the default stays weeks and months", async () => {
    const raw = base();
    raw.slos[0].windows = ["quarterly", "yearly"];
    expect((await validateConfig(raw)).slos[0]!.windows).toEqual(["quarterly", "yearly"]);
    delete raw.slos[0].windows;
    expect((await validateConfig(raw)).slos[0]!.windows).toEqual(["weekly", "monthly"]);
    raw.slos[0].windows = ["yearly", "yearly"];
    expect(issueAt(await errorOf(raw), "slos[0].windows").message).toBe("lists a window twice");
  });

  it("checks maintenance windows: offsets required, end after start", async () => {
    const raw = base();
    raw.slos[0].maintenance = [
      { start: "2026-10-04T02:00:00+02:00", end: "2026-10-03T22:00:00+02:00", reason: "upgrade" },
      { start: "2026-10-04T02:00:00", end: "2026-10-04T03:00:00Z", reason: "no offset" },
      { start: "2026-10-04T00:00:00Z", end: "2026-10-04T00:00:00Z", reason: "empty" },
    ];
    const err = await errorOf(raw);
    const order = issueAt(err, "slos[0].maintenance[0].end");
    expect(order.message).toBe("must be after start (2026-10-04T02:00:00+02:00)");
    expect(order.value).toBe('"2026-10-03T22:00:00+02:00"');
    expect(issueAt(err, "slos[0].maintenance[1].start").message).toMatch(/ISO-8601 date-time with an offset/);
    expect(issueAt(err, "slos[0].maintenance[2].end").message).toMatch(/must be after start/);
  });

  it("compares maintenance instants, not strings, across offsets", async () => {
    const raw = base();
    // 23:30 at +02:00 is 21:30Z, before 22:00Z: valid although the strings sort the other way.
    raw.slos[0].maintenance = [
      { start: "2026-10-03T23:30:00+02:00", end: "2026-10-03T22:00:00Z", reason: "x" },
    ];
    expect((await validateConfig(raw)).slos[0]!.maintenance).toHaveLength(1);
  });
});

describe("notify and prometheus", () => {
  it("checks burn-rate ordering and ranges", async () => {
    const raw = base();
    raw.notify = { burnRate: { fast: 5, slow: 6 }, budgetWarningRemaining: 2, downAfter: 0 };
    const err = await errorOf(raw);
    expect(issueAt(err, "notify.burnRate.fast").message).toBe("must be above burnRate.slow (6)");
    expect(issueAt(err, "notify.budgetWarningRemaining").message).toBe("must be at most 1");
    expect(issueAt(err, "notify.downAfter").message).toBe("must be at least 1");
    raw.notify = { burnRate: { fast: 14.4, slow: 2, ticket: 3 } };
    expect(issueAt(await errorOf(raw), "notify.burnRate.slow").message).toBe(
      "must be above burnRate.ticket (3)",
    );
  });

  it("parses each auth type and derives remoteWriteUrl", async () => {
    const raw = base();
    raw.prometheus = {
      url: "https://prom.example.com/",
      auth: { type: "basic", username: "u", password: { env: "P" } },
    };
    let p = (await validateConfig(raw)).prometheus;
    expect(p.url).toBe("https://prom.example.com");
    expect(p.remoteWriteUrl).toBe("https://prom.example.com/api/v1/write");
    expect(p.auth).toEqual({ type: "basic", username: "u", password: { env: "P" } });

    raw.prometheus = {
      url: "https://aps.example/workspaces/ws-1",
      auth: { type: "sigv4", region: "eu-central-1" },
    };
    p = (await validateConfig(raw)).prometheus;
    expect(p.auth).toEqual({ type: "sigv4", region: "eu-central-1", service: "aps" });
    expect(p.remoteWriteUrl).toBe("https://aps.example/workspaces/ws-1/api/v1/remote_write");

    raw.prometheus = {
      remoteWriteUrl: "https://mimir.example/api/v1/push",
      auth: { type: "bearer", token: "t0k" },
    };
    p = (await validateConfig(raw)).prometheus;
    expect(p.url).toBe("http://127.0.0.1:9090");
    expect(p.remoteWriteUrl).toBe("https://mimir.example/api/v1/push");
  });

  it("rejects unknown auth types and bad regions", async () => {
    const raw = base();
    raw.prometheus = { auth: { type: "oauth" } };
    expect(issueAt(await errorOf(raw), "prometheus.auth.type").message).toBe(
      'must be one of "none", "basic", "bearer", "sigv4"',
    );
    raw.prometheus = { auth: { type: "sigv4", region: "Frankfurt" } };
    expect(issueAt(await errorOf(raw), "prometheus.auth.region").message).toMatch(/AWS region/);
  });
});

describe("probe", () => {
  it("defaults to the system resolver and accepts IP literals with optional ports as DNS servers", async () => {
    expect((await validateConfig(base())).probe).toEqual({});
    const raw = base();
    const servers = ["127.0.0.2", "127.0.0.1:5353", "fd00::2", "[::1]:5353", "[fd00::2]"];
    raw.probe = { dnsServers: servers };
    expect((await validateConfig(raw)).probe).toEqual({ dnsServers: servers });
  });

  it("rejects DNS server entries that are not IP literals, naming each bad value", async () => {
    const raw = base();
    raw.probe = { dnsServers: ["127.0.0.2", "dns.example.com", "127.0.0.2:99999", "::1:53:x"] };
    const err = await errorOf(raw);
    expect(issueAt(err, "probe.dnsServers[1]").message).toMatch(/^"dns\.example\.com" is not an IP address/);
    expect(issueAt(err, "probe.dnsServers[2]").message).toBe(
      '"127.0.0.2:99999" has port 99999; a port is 1-65535',
    );
    expect(issueAt(err, "probe.dnsServers[3]").message).toContain('"::1:53:x"');
    expect(err.issues.some((i) => i.path === "probe.dnsServers[0]")).toBe(false);
    expect(err.message).toContain(
      '  probe.dnsServers[2]: "127.0.0.2:99999" has port 99999; a port is 1-65535\n',
    );

    raw.probe = { dnsServers: [] };
    expect(issueAt(await errorOf(raw), "probe.dnsServers").message).toMatch(/at least one server/);
    raw.probe = { dnsServer: ["127.0.0.2"] };
    expect(issueAt(await errorOf(raw), "probe.dnsServer").message).toBe(
      'unknown key (did you mean "dnsServers"?)',
    );
  });
});

describe("stages", () => {
  it("applies a stage's overrides and validates the result", async () => {
    const raw = base();
    raw.targets[0].latency = { warnMs: 200, critMs: 900 };
    raw.stages = {
      prod: {
        slos: { "api-availability": { objective: 99.95, missingData: "bad" } },
        targets: { api: { url: "https://prod.example.com/health", timeoutMs: 2000 } },
        prometheus: { url: "https://prom.prod.example.com" },
      },
    };
    const plain = await validateConfig(raw);
    expect(plain.slos[0]!.objective).toBe(0.999);
    const prod = await validateConfig(raw, { stage: "prod" });
    expect(prod.slos[0]!.objective).toBe(0.9995);
    expect(prod.slos[0]!.objectivePercent).toBe(99.95);
    expect(prod.slos[0]!.missingData).toBe("bad");
    expect(prod.targets[0]!.url).toBe("https://prod.example.com/health");
    expect(prod.targets[0]!.timeoutMs).toBe(2000);
    expect(prod.targets[0]!.latency).toEqual({ warnMs: 200, critMs: 900 });
    expect(prod.prometheus.url).toBe("https://prom.prod.example.com");
    expect(prod.prometheus.remoteWriteUrl).toBe("https://prom.prod.example.com/api/v1/write");
  });

  it("leaves the config unchanged for a stage without overrides", async () => {
    const raw = base();
    raw.stages = { prod: { slos: { "api-availability": { objective: 99.5 } } } };
    expect((await validateConfig(raw, { stage: "alice" })).slos[0]!.objective).toBe(0.999);
  });

  it("rejects overrides naming unknown SLOs or targets", async () => {
    const raw = base();
    raw.stages = {
      prod: { slos: { "api-availabilty": { objective: 99 } }, targets: { apii: { timeoutMs: 500 } } },
    };
    const err = await errorOf(raw);
    expect(issueAt(err, "stages.prod.slos.api-availabilty").message).toBe(
      'no SLO named "api-availabilty" (known: "api-availability")',
    );
    expect(issueAt(err, "stages.prod.targets.apii").message).toBe('no target named "apii" (known: "api")');
  });

  it("validates override values and their orderings against the base", async () => {
    const raw = base();
    raw.targets[0].latency = { warnMs: 200, critMs: 900 };
    raw.stages = {
      prod: {
        slos: { "api-availability": { objective: 100, maintanance: [] } },
        targets: { api: { timeoutMs: 800 } },
      },
      staging: { targets: { api: { latency: { warnMs: 50, critMs: 20_000 } } } },
    };
    const err = await errorOf(raw, "prod");
    expect(issueAt(err, "stages.prod.slos.api-availability.objective").message).toMatch(
      /leaves no error budget/,
    );
    expect(issueAt(err, "stages.prod.slos.api-availability.maintanance").message).toBe(
      'unknown key (did you mean "maintenance"?)',
    );
    expect(issueAt(err, "stages.prod.targets.api.timeoutMs").message).toMatch(
      /must be above targets\[0\]\.latency\.critMs \(900\)/,
    );
    expect(issueAt(err, "stages.staging.targets.api.latency.critMs").message).toMatch(
      /below timeoutMs \(10000\)/,
    );
  });
});

describe("many problems at once", () => {
  it("reports every problem in one error, one per line", async () => {
    const raw = base();
    raw.targets[0].url = "nope";
    raw.targets[0].timeoutMS = 1;
    raw.targets.push({ name: "api", url: "https://x.example" });
    raw.slos[0].objective = 100;
    raw.slos[0].sli.target = "missing";
    raw.calendar = { timeZone: "Mars/Olympus" };
    const err = await errorOf(raw);
    expect(err.issues).toHaveLength(6);
    const lines = err.message.split("\n");
    expect(lines[0]).toBe("test.yaml: 6 problems");
    expect(lines.slice(1).every((l) => l.startsWith("  "))).toBe(true);
    expect(lines).toHaveLength(7);
    expect(err.message).toContain("slos[0].objective: must be below 100");
    expect(err.message).toContain('calendar.timeZone: unknown IANA time zone "Mars/Olympus"');
  });

  it("runs cross-field checks even when fields are invalid", () => {
    // crossFieldIssues reads partly invalid input without throwing.
    expect(crossFieldIssues({ targets: [null, 5, { name: 7 }], slos: "x", stages: [] })).toEqual([]);
    expect(crossFieldIssues("not an object")).toEqual([]);
  });
});

describe("secrets in errors", () => {
  const token = "Bearer sk_live_9f8e7d6c5b4a3210";

  it("never shows a header value, even when the header itself is invalid", async () => {
    const raw = base();
    raw.targets[0].headers = { Authorization: token, "X-Api-Key": { env: 5 }, "Bad Header": token };
    raw.targets[0].timeoutMs = "soon"; // otherwise invalid
    raw.targets[0].body = `{"token":"${token}"}`; // body with GET: error, value not shown
    raw.prometheus = { auth: { type: "basic", username: "u", password: "hunter2-secret", extra: 1 } };
    raw.stages = { prod: { prometheus: { auth: { type: "bearer", token: 42 } } } };
    const err = await errorOf(raw);
    const everything = `${err.message}\n${JSON.stringify(err.issues)}`;
    expect(everything).not.toContain("sk_live_9f8e7d6c5b4a3210");
    expect(everything).not.toContain("hunter2-secret");
    expect(issueAt(err, "targets[0].headers.X-Api-Key.env").value).toBe("<redacted>");
    expect(issueAt(err, "stages.prod.prometheus.auth.token").value).toBe("<redacted>");
    expect(issueAt(err, "targets[0].body").value).toBeUndefined();
    expect(err.issues.length).toBeGreaterThanOrEqual(5);
  });

  it("scrubs inline secrets that would otherwise be echoed (a header value used as a label value)", async () => {
    const raw = base();
    raw.targets[0].headers = { Authorization: token };
    raw.targets[0].labels = { token_copy: token, job: token };
    raw.targets[0].method = token;
    const err = await errorOf(raw);
    expect(err.message).not.toContain("sk_live_9f8e7d6c5b4a3210");
    expect(issueAt(err, "targets[0].method").value).toBe('"<redacted>"');
  });

  it("strips credentials from URLs shown in errors", async () => {
    const raw = base();
    raw.targets[0].url = "ftp://admin:pa55word@files.example.com/?api_key=k3y-value&x=1";
    const issue = issueAt(await errorOf(raw), "targets[0].url");
    expect(issue.value).toBe('"ftp://files.example.com/?api_key=<redacted>&x=1"');
  });
});
