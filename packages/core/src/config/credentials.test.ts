/**
 * Credentials never in URLs (prometheus.url / remoteWriteUrl and their stage overrides are refused with
 * userinfo), inline secrets are warned about by the loader (`sla validate`, SST synth), and the config's
 * secrets are known to the scrubber without I/O.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig, validateConfig } from "./loader.js";
import { basicAuthSecret } from "./redact.js";
import { configSecretValues, inlineSecretWarnings } from "./secrets.js";
import { base, errorOf } from "./test-helpers.js";

describe("credentials in Prometheus URLs", () => {
  it.each([
    ["prometheus.url", { prometheus: { url: "https://admin:PROMPASS123@prom.example.com" } }],
    ["prometheus.url", { prometheus: { url: "https://PROMPASS123@prom.example.com" } }],
    [
      "prometheus.remoteWriteUrl",
      { prometheus: { remoteWriteUrl: "https://admin:PROMPASS123@prom.example.com/api/v1/write" } },
    ],
    [
      "stages.prod.prometheus.url",
      { stages: { prod: { prometheus: { url: "https://admin:PROMPASS123@prom.example.com" } } } },
    ],
    [
      "stages.prod.prometheus.remoteWriteUrl",
      { stages: { prod: { prometheus: { remoteWriteUrl: "http://u:PROMPASS123@127.0.0.1/api/v1/write" } } } },
    ],
  ])("%s with userinfo is refused, naming the path and the fix, never the password", async (path, extra) => {
    const err = await errorOf({ ...base(), ...extra });
    const issue = err.issues.find((i) => i.path === path);
    expect(issue, err.message).toBeDefined();
    expect(issue!.message).toMatch(/must not carry credentials/);
    expect(issue!.message).toContain("auth: { type: basic");
    expect(issue!.message).toContain("{ env:");
    expect(err.message).not.toContain("PROMPASS123");
    expect(err.message).not.toContain("admin");
  });

  it("accepts the same URLs without userinfo, and target URLs with userinfo (sent as Basic auth)", async () => {
    const c = await validateConfig({
      ...base(),
      targets: [{ name: "api", url: "https://probe:T4RGETPASS@api.example.com/health" }],
      prometheus: {
        url: "https://prom.example.com",
        remoteWriteUrl: "https://prom.example.com/api/v1/write",
      },
      stages: { prod: { prometheus: { url: "https://prom-prod.example.com" } } },
    });
    expect(c.prometheus.url).toBe("https://prom.example.com");
  });
});

describe("inline secrets", () => {
  const config = async () =>
    await validateConfig({
      ...base(),
      targets: [
        {
          name: "api",
          url: "https://api.example.com/health",
          headers: {
            Authorization: "Bearer INLINE-TOKEN-1",
            Accept: "application/json",
            "X-Ref": { env: "X" },
          },
        },
        { name: "basic", url: "https://probe:T4RGETPASS@api.example.com/" },
      ],
      prometheus: { auth: { type: "bearer", token: "INLINE-PROM-TOKEN" } },
      stages: { prod: { prometheus: { auth: { type: "basic", username: "u", password: "INLINE-PASS" } } } },
    });

  it("each gets a warning naming the path and { env } / { ssm } as the fix, without the value", async () => {
    const warnings = inlineSecretWarnings(await config());
    expect(warnings.map((w) => w.split(" ")[0])).toEqual([
      "targets[0].headers.Authorization",
      "targets[1].url",
      "prometheus.auth.token",
      "stages.prod.prometheus.auth.password",
    ]);
    for (const w of warnings) {
      expect(w).toContain('{ env: "NAME" }');
      expect(w).toContain('{ ssm: "/parameter/name" }');
      expect(w).toMatch(/bundled into the Lambda function zip/);
      expect(w).not.toMatch(/INLINE|T4RGETPASS/);
    }
  });

  it("references give no warning", async () => {
    const c = await validateConfig({
      ...base(),
      targets: [
        { name: "api", url: "https://api.example.com/", headers: { Authorization: { ssm: "/sla/t" } } },
      ],
      prometheus: { auth: { type: "bearer", token: { env: "PROMETHEUS_TOKEN" } } },
    });
    expect(inlineSecretWarnings(c)).toEqual([]);
  });

  it("loadConfig passes them to `warn` (what sla validate and the SST synth use), prefixed by the file", async () => {
    const dir = await mkdtemp(join(tmpdir(), "sla-cred-"));
    try {
      const file = join(dir, "sla.config.json");
      await writeFile(
        file,
        JSON.stringify({ ...base(), prometheus: { auth: { type: "bearer", token: "INLINE-PROM-TOKEN" } } }),
      );
      const seen: string[] = [];
      await loadConfig(file, { warn: (m) => seen.push(m) });
      expect(seen).toEqual([
        expect.stringMatching(/sla\.config\.json: warning: prometheus\.auth\.token is an inline/),
      ]);
      await expect(loadConfig(file)).resolves.toBeDefined(); // quiet without `warn`
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("configSecretValues knows inline credentials, env values, URL userinfo and token parameters", async () => {
    const c = await validateConfig({
      ...base(),
      targets: [
        {
          name: "api",
          url: "https://probe:T4RGETPASS@api.example.com/health?api_key=QUERYKEY1&page=2",
          headers: { Authorization: { env: "API_TOKEN" }, "X-Api-Key": "INLINE-KEY-1", Accept: "text/plain" },
        },
      ],
      prometheus: { auth: { type: "basic", username: "admin", password: { env: "PROM_PASS" } } },
    });
    const values = configSecretValues(c, { API_TOKEN: "Bearer ENVTOKEN1", PROM_PASS: "PROMPASS123" });
    expect(values).toEqual(
      expect.arrayContaining([
        "Bearer ENVTOKEN1",
        "INLINE-KEY-1",
        "T4RGETPASS",
        basicAuthSecret("probe", "T4RGETPASS"),
        "QUERYKEY1",
        "PROMPASS123",
        basicAuthSecret("admin", "PROMPASS123"),
      ]),
    );
    expect(values).not.toContain("text/plain"); // an inline header that is no credential
  });
});

describe("config values echoed in errors", () => {
  it("are scrubbed before they are cut: a credential the cut at 120 characters falls into leaves no prefix", async () => {
    // an invalid time zone that ends in a credential, cut 7 characters into it
    const value = `${"x".repeat(105)} Bearer abcdefghijklmnop`;
    expect(value.indexOf("abcdef") + 7).toBe(120);
    const err = await errorOf({ ...base(), calendar: { timeZone: value } });
    const issue = err.issues.find((i) => i.path === "calendar.timeZone")!;
    expect(issue.value).toBe(JSON.stringify(`${"x".repeat(105)} Bearer <redact…`));
    expect(err.message).not.toContain("abcdef");
  });
});
