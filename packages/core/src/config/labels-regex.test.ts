/**
 * `labelsRegex` values are sent to Prometheus as `=~` matchers, which Prometheus compiles as RE2: a
 * JavaScript-only pattern must fail at config load (naming the path and the value), not as an HTTP 400 at
 * report time.
 */
import { describe, expect, it } from "vitest";
import { ConfigError } from "./issues.js";
import { validateConfig } from "./loader.js";

function config(labelsRegex: Record<string, string>) {
  return {
    targets: [],
    slos: [
      {
        name: "checkout-success",
        service: "checkout",
        objective: 99.9,
        sli: {
          type: "ratio",
          good: { metric: "http_requests_total", labelsRegex },
          total: { metric: "http_requests_total" },
        },
      },
    ],
  };
}

async function problems(raw: unknown): Promise<ConfigError> {
  try {
    await validateConfig(raw, { source: "sla.config.yaml" });
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error("expected a ConfigError, but the config validated");
}

describe("labelsRegex is RE2", () => {
  it("refuses a lookbehind (valid in JavaScript, HTTP 400 in Prometheus), naming the path and value", async () => {
    expect(() => /(?<=x)2../).not.toThrow(); // the old JavaScript check let it through
    const err = await problems(config({ code: "(?<=x)2.." }));
    const issue = err.issues.find((i) => i.path === "slos[0].sli.good.labelsRegex.code");
    expect(issue?.message).toMatch(/^is not a valid RE2 regular expression: /);
    expect(issue?.value).toBe('"(?<=x)2.."');
    expect(err.message).toContain("slos[0].sli.good.labelsRegex.code: is not a valid RE2 regular expression");
    expect(err.message).toContain('(got "(?<=x)2..")');
  });

  it.each([
    ["(a)\\1", "backreference"],
    ["5..(?!0)", "lookahead"],
    ["a{2,1001}", "repeat count over RE2's 1000"],
  ])("refuses %s (%s)", async (pattern) => {
    const err = await problems(config({ code: pattern }));
    expect(err.issues.map((i) => i.path)).toEqual(["slos[0].sli.good.labelsRegex.code"]);
  });

  it("accepts RE2 syntax Prometheus accepts", async () => {
    for (const pattern of ["2..", "5..|429", "(?i)get|post", "[[:alpha:]]+", "\\d{3}", ".*"]) {
      await expect(validateConfig(config({ code: pattern }))).resolves.toBeDefined();
    }
  });
});

describe("labelsRegex on latency and quantile SLIs", () => {
  const slo = (sli: Record<string, unknown>) => ({
    targets: [],
    slos: [{ name: "checkout-latency", service: "checkout", objective: 95, sli }],
  });
  const latency = (extra: Record<string, unknown>) =>
    slo({ type: "latency", metric: "http_request_duration_seconds", thresholdSeconds: 0.5, ...extra });

  it("accepts labelsRegex on a latency SLI (documented in the README) and keeps it", async () => {
    const c = await validateConfig(
      latency({ labels: { service: "checkout" }, labelsRegex: { route: "/api/.*" } }),
    );
    expect(c.slos[0]!.sli).toMatchObject({ labelsRegex: { route: "/api/.*" } });
  });

  it("accepts labelsRegex on a quantile SLI", async () => {
    const c = await validateConfig(
      slo({ type: "quantile", metric: "http_request_duration_seconds", labelsRegex: { route: "/api/.*" } }),
    );
    expect(c.slos[0]!.sli).toMatchObject({ labelsRegex: { route: "/api/.*" } });
  });

  it("checks a latency SLI's labelsRegex as RE2, naming the path", async () => {
    const err = await problems(latency({ labelsRegex: { route: "(?<=x)/api" } }));
    expect(err.issues.map((i) => i.path)).toEqual(["slos[0].sli.labelsRegex.route"]);
  });

  it("refuses an le matcher: the threshold sets the bucket label", async () => {
    const err = await problems(latency({ labelsRegex: { le: "0.5" }, labels: { le: "1" } }));
    expect(err.issues.map((i) => i.path).sort()).toEqual([
      "slos[0].sli.labels.le",
      "slos[0].sli.labelsRegex.le",
    ]);
    expect(err.message).toContain("le is the histogram's bucket label");
  });
});
