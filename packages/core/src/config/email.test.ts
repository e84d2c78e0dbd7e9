import { describe, expect, it } from "vitest";
import { ConfigError } from "./issues.js";
import { validateConfig } from "./loader.js";

const base = (ses: unknown) => ({ notify: { email: { ses } } });

async function messagesOf(raw: unknown): Promise<string> {
  try {
    await validateConfig(raw, { source: "test.yaml" });
  } catch (e) {
    if (e instanceof ConfigError) return e.message;
    throw e;
  }
  throw new Error("expected a ConfigError");
}

describe("notify.email.ses and report.links", () => {
  it("defaults: no email at all; links expire after 90 days", async () => {
    const c = await validateConfig({});
    expect(c.notify.email).toBeUndefined();
    expect(c.report.links.expiryDays).toBe(90);
  });

  it("fills the subject prefix; keeps the optional configuration set and region", async () => {
    const c = await validateConfig(
      base({
        from: "sla@example.com",
        to: ["a@example.com"],
        configurationSet: "sla-reports",
        region: "us-east-1",
      }),
    );
    expect(c.notify.email?.ses).toEqual({
      from: "sla@example.com",
      to: ["a@example.com"],
      configurationSet: "sla-reports",
      region: "us-east-1",
      subjectPrefix: "[SLA report]",
    });
  });

  it("names the path and value of every bad field", async () => {
    const msg = await messagesOf(
      base({
        from: "not an address",
        to: ["ok@example.com", "x@y\nBcc: z@example.com"],
        subjectPrefix: "two\nlines",
        configurationSet: "has space",
        extra: 1,
      }),
    );
    expect(msg).toContain("notify.email.ses.from");
    expect(msg).toContain("notify.email.ses.to[1]: must be an email address");
    expect(msg).toContain("notify.email.ses.subjectPrefix");
    expect(msg).toContain("notify.email.ses.configurationSet");
    expect(msg).toContain("notify.email.ses.extra: unknown key");
    expect(await messagesOf(base({ from: "a@example.com", to: [] }))).toContain("notify.email.ses.to");
    expect(await messagesOf({ report: { links: { expiryDays: 0 } } })).toContain("report.links.expiryDays");
  });
});
