import { describe, expect, it } from "vitest";
import { resolveHeaders, resolveSecret, SecretResolutionError } from "./secrets.js";

describe("resolveSecret", () => {
  const env = { API_TOKEN: "Bearer t0k3n-value", EMPTY: "" };

  it("returns plain strings as they are", async () => {
    expect(await resolveSecret("inline", { env })).toBe("inline");
  });

  it("reads environment variables", async () => {
    expect(await resolveSecret({ env: "API_TOKEN" }, { env })).toBe("Bearer t0k3n-value");
  });

  it("names a missing variable and what it was for, without any value", async () => {
    const err = await resolveSecret(
      { env: "MISSING_TOKEN" },
      { env, what: "targets[0].headers.Authorization" },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SecretResolutionError);
    expect((err as Error).message).toBe(
      "environment variable MISSING_TOKEN is not set (needed for targets[0].headers.Authorization)",
    );
    expect((err as Error).message).not.toContain("t0k3n");
  });

  it("treats an empty variable as an error", async () => {
    await expect(resolveSecret({ env: "EMPTY" }, { env })).rejects.toThrow(
      "environment variable EMPTY is empty",
    );
  });

  it("calls the injected SSM resolver", async () => {
    const asked: string[] = [];
    const ssm = async (name: string) => {
      asked.push(name);
      return "from-ssm";
    };
    expect(await resolveSecret({ ssm: "/sla/token" }, { env, ssm })).toBe("from-ssm");
    expect(asked).toEqual(["/sla/token"]);
  });

  it("fails clearly without an SSM resolver", async () => {
    await expect(resolveSecret({ ssm: "/sla/token" }, { env })).rejects.toThrow(
      "SSM parameter /sla/token is referenced but no SSM resolver was provided",
    );
  });

  it("does not pass on the SSM error's text (it could contain a value)", async () => {
    const ssm = async () => {
      throw Object.assign(new Error("value was sup3r-secret"), { name: "ParameterNotFound" });
    };
    const err = (await resolveSecret({ ssm: "/sla/token" }, { env, ssm }).catch((e: unknown) => e)) as Error;
    expect(err.message).toBe("cannot read SSM parameter /sla/token: ParameterNotFound");
    expect(err.message).not.toContain("sup3r-secret");
  });
});

describe("resolveHeaders", () => {
  it("resolves every header and names the header in errors", async () => {
    const env = { T: "tok" };
    expect(await resolveHeaders({ Authorization: { env: "T" }, Accept: "text/plain" }, { env })).toEqual({
      Authorization: "tok",
      Accept: "text/plain",
    });
    await expect(
      resolveHeaders({ "X-Key": { env: "NOPE" } }, { env, what: "targets[1].headers" }),
    ).rejects.toThrow("environment variable NOPE is not set (needed for targets[1].headers.X-Key)");
  });
});
