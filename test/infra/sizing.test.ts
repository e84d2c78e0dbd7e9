import { describe, expect, it } from "vitest";
import {
  apsWorkspaceFromUrl,
  durationAlarmThresholdMs,
  probeMemoryMb,
  probeTimeoutSeconds,
  reportMemoryMb,
  ssmParameterArn,
  ssmParameterNames,
} from "../../infra/aws/index.js";

const targets = (...ms: number[]) => ms.map((timeoutMs) => ({ timeoutMs }));

describe("probe timeout", () => {
  it("is the largest deadline plus 20 s, in whole seconds", () => {
    expect(probeTimeoutSeconds({ targets: targets(5000, 10_000, 8000), slos: [] })).toBe(30);
    expect(probeTimeoutSeconds({ targets: targets(60_000), slos: [] })).toBe(80);
    expect(probeTimeoutSeconds({ targets: targets(1500), slos: [] })).toBe(22); // 21.5 s rounded up
  });
  it("uses the default deadline without targets and is capped at 15 minutes", () => {
    expect(probeTimeoutSeconds({ targets: [], slos: [] })).toBe(30);
    expect(probeTimeoutSeconds({ targets: targets(2_000_000), slos: [] })).toBe(900);
  });
});

describe("memory", () => {
  it("grows with targets and SLOs within Lambda's limits", () => {
    expect(probeMemoryMb({ targets: targets(...Array(100).fill(1000)), slos: [] })).toBe(256);
    expect(probeMemoryMb({ targets: targets(...Array(101).fill(1000)), slos: [] })).toBe(384);
    // one invocation probes one shard of at most 500 targets, whatever the total
    expect(probeMemoryMb({ targets: targets(...Array(500).fill(1000)), slos: [] })).toBe(768);
    expect(probeMemoryMb({ targets: targets(...Array(100_000).fill(1000)), slos: [] })).toBe(768);
    expect(reportMemoryMb({ targets: [], slos: Array(5).fill({}) })).toBe(512);
    expect(reportMemoryMb({ targets: [], slos: Array(26).fill({}) })).toBe(768);
    expect(reportMemoryMb({ targets: [], slos: Array(10_000).fill({}) })).toBe(3008);
  });
  it("duration alarms fire above 80 % of the timeout", () => {
    expect(durationAlarmThresholdMs(30)).toBe(24_000);
    expect(durationAlarmThresholdMs(300)).toBe(240_000);
  });
});

describe("AMP workspace from the Prometheus URL", () => {
  it("parses workspace URLs with or without a trailing path", () => {
    expect(
      apsWorkspaceFromUrl("https://aps-workspaces.eu-central-1.amazonaws.com/workspaces/ws-abc-123"),
    ).toEqual({
      region: "eu-central-1",
      workspaceId: "ws-abc-123",
    });
    expect(
      apsWorkspaceFromUrl("https://aps-workspaces.us-west-2.amazonaws.com/workspaces/ws-1/api/v1/query"),
    ).toEqual({ region: "us-west-2", workspaceId: "ws-1" });
  });
  it("returns undefined for other servers and malformed URLs", () => {
    expect(apsWorkspaceFromUrl("https://prometheus.example.com")).toBeUndefined();
    expect(
      apsWorkspaceFromUrl("https://aps-workspaces.eu-central-1.amazonaws.com/other/ws-1"),
    ).toBeUndefined();
    expect(
      apsWorkspaceFromUrl(
        "https://evil.example.com/aps-workspaces.eu-central-1.amazonaws.com/workspaces/ws-1",
      ),
    ).toBeUndefined();
    expect(apsWorkspaceFromUrl("not a url")).toBeUndefined();
  });
});

describe("SSM references", () => {
  it("collects every { ssm } reference once, sorted, ignoring other values", () => {
    const config = {
      targets: [
        { headers: { "X-Api-Key": { ssm: "/b/key" }, Authorization: { env: "TOKEN" }, Accept: "json" } },
        { headers: { "X-Other": { ssm: "/a/key" }, "X-Again": { ssm: "/b/key" } } },
      ],
      prometheus: { auth: { type: "basic", username: "u", password: { ssm: "/c/pw" } } },
    };
    expect(ssmParameterNames(config)).toEqual(["/a/key", "/b/key", "/c/pw"]);
    expect(ssmParameterNames({ targets: [{ headers: { A: "ssm" } }] })).toEqual([]);
  });
  it("builds parameter ARNs with exactly one slash after 'parameter'", () => {
    expect(ssmParameterArn("aws", "eu-central-1", "1", "/a/b")).toBe(
      "arn:aws:ssm:eu-central-1:1:parameter/a/b",
    );
    expect(ssmParameterArn("aws", "eu-central-1", "1", "a")).toBe("arn:aws:ssm:eu-central-1:1:parameter/a");
  });
});
