/** Test helpers for the config tests (not exported from the barrel). */
import { ConfigError, type ConfigIssue } from "./issues.js";
import { validateConfig } from "./loader.js";

/** A minimal valid config as a plain object; tests change one thing at a time. */
// biome-ignore lint/suspicious/noExplicitAny: fixtures are edited freely, including into invalid shapes
export function base(): Record<string, any> {
  return {
    targets: [{ name: "api", url: "https://api.example.com/health" }],
    slos: [
      { name: "api-availability", service: "api", objective: 99.9, sli: { type: "probe", target: "api" } },
    ],
  };
}

/** The ConfigError validating `raw` raises (fails the test when it validates). */
export async function errorOf(raw: unknown, stage?: string): Promise<ConfigError> {
  try {
    await validateConfig(raw, { source: "test.yaml", ...(stage ? { stage } : {}) });
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error("expected a ConfigError, but the config validated");
}

export function issueAt(err: ConfigError, path: string): ConfigIssue {
  const found = err.issues.find((i) => i.path === path);
  if (!found) throw new Error(`no issue at ${path}; issues:\n${err.message}`);
  return found;
}
