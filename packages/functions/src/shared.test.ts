import { describe, expect, it } from "vitest";
import { boundValues } from "./shared.js";

describe("boundValues (SST v2 Config bindings)", () => {
  const ssm = async (path: string) => {
    const store: Record<string, string> = {
      "/sst/sla-monitor/prod/Secret/PROMETHEUS_TOKEN/value": "tok",
      "/sst/sla-monitor/.fallback/Secret/SHARED/value": "fallback-value",
    };
    if (!(path in store))
      throw Object.assign(new Error(`SSM parameter ${path} not found`), { name: "ParameterNotFound" });
    return store[path]!;
  };
  const base = { SST_APP: "sla-monitor", SST_STAGE: "prod", SST_SSM_PREFIX: "/sst/sla-monitor/prod/" };

  it("reads secrets from the stage's path, then the app fallback; parameters are plain values", async () => {
    const env = await boundValues(
      {
        ...base,
        SST_Secret_value_PROMETHEUS_TOKEN: "__FETCH_FROM_SSM__",
        SST_Secret_value_SHARED: "__FETCH_FROM_SSM__",
        SST_Parameter_value_TIME_ZONE: "Europe/Berlin",
      },
      ssm,
    );
    expect(env.PROMETHEUS_TOKEN).toBe("tok");
    expect(env.SHARED).toBe("fallback-value");
    expect(env.TIME_ZONE).toBe("Europe/Berlin");
  });

  it("leaves a secret that was never set undefined (the config then names it) and never overrides the env", async () => {
    const env = await boundValues(
      {
        ...base,
        SST_Secret_value_MISSING: "__FETCH_FROM_SSM__",
        SST_Parameter_value_X: "from-sst",
        X: "explicit",
      },
      ssm,
    );
    expect(env.MISSING).toBeUndefined();
    expect(env.X).toBe("explicit");
  });
});
