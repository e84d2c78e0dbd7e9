/**
 * What every handler needs, built once per Lambda container: the parsed config (bundled file, path in
 * SLA_CONFIG), a structured logger that never prints secrets, and the runtime adapters (S3 bucket from
 * SLA_BUCKET, SNS topic from SLA_TOPIC_ARN). Secrets referenced as `{ env: NAME }` in the config are read
 * from SST Config secrets (SSM, bound to the function) when present, else from the environment.
 */
import { Logger } from "@aws-lambda-powertools/logger";
import { createRuntime, loadConfig, type Runtime, redactText, type SlaConfig } from "@sla-monitor/core";

export const logger = new Logger({ serviceName: "sla-monitor" });

let cached: Promise<{ config: SlaConfig; runtime: Runtime }> | undefined;

async function secretEnv(): Promise<NodeJS.ProcessEnv> {
  if (!process.env.SST_APP) return process.env;
  // SST v2 binds Config secrets/parameters; sst/node/config loads them from SSM at import time.
  const env: NodeJS.ProcessEnv = { ...process.env };
  try {
    const mod = (await import("sst/node/config")) as { Config: Record<string, string> };
    for (const [k, v] of Object.entries(mod.Config))
      if (typeof v === "string" && env[k] === undefined) env[k] = v;
  } catch (e) {
    // e.g. a bound secret that was never set: keep going; a config that needs it fails with a clear error
    logger.warn("SST Config could not be loaded", { error: e instanceof Error ? e.message : String(e) });
  }
  return env;
}

export function context(): Promise<{ config: SlaConfig; runtime: Runtime }> {
  cached ??= (async () => {
    const env = await secretEnv();
    const config = await loadConfig(
      env.SLA_CONFIG ?? "sla.config.yaml",
      env.SLA_STAGE ? { stage: env.SLA_STAGE } : {},
    );
    const runtime = await createRuntime(config, { env });
    return { config, runtime };
  })();
  cached.catch(() => {
    cached = undefined; // a failed cold start (e.g. SSM throttled) is retried by the next invocation
  });
  return cached;
}

/** Any text that leaves the function goes through here. */
export function scrub(text: string, runtime?: Runtime): string {
  return runtime ? redactText(text, runtime.secrets) : text;
}
