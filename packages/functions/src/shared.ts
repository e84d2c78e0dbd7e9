/**
 * What every handler needs, built once per Lambda container: the parsed config (bundled file, path in
 * SLA_CONFIG), a structured logger that never prints secrets (every string of every log line passes the
 * container's one `Scrubber`), and the runtime adapters (S3 bucket from SLA_BUCKET, SNS topic from
 * SLA_TOPIC_ARN; wrapped by the same scrubber). Handlers are `guarded`: their results and errors (which Lambda
 * logs and returns to the invoker) pass the scrubber too. Secrets referenced as `{ env: NAME }` in the config are read
 * from SST Config secrets (SSM, bound to the function) when present, else from the environment.
 */
import { Logger } from "@aws-lambda-powertools/logger";
import {
  createRuntime,
  createSsmResolver,
  learningSsm,
  loadConfig,
  type Runtime,
  Scrubber,
  type SlaConfig,
  type SsmResolver,
} from "@sla-monitor/core";

/** The container's one scrubber; the runtime teaches it the config's secrets, SSM values as they are read. */
export const scrubber = new Scrubber();

export const logger = new Logger({
  serviceName: "sla-monitor",
  // called for every value of a log line, error messages and stacks included
  jsonReplacerFn: (_key, value) => (typeof value === "string" ? scrubber.scrub(value) : value),
});

let cached: Promise<{ config: SlaConfig; runtime: Runtime }> | undefined;

/**
 * SST v2 binds Config values as `SST_<Secret|Parameter>_value_<NAME>` variables: parameters hold the value,
 * secrets say `__FETCH_FROM_SSM__` and live under `<SST_SSM_PREFIX>Secret/<NAME>/value` (or the app's
 * `.fallback`). Read with our own SSM resolver instead of `sst/node/config`, which would bundle a second
 * AWS SDK. Values land in a copy of the environment, never in `process.env`.
 */
export async function boundValues(source: NodeJS.ProcessEnv, ssm: SsmResolver): Promise<NodeJS.ProcessEnv> {
  const env: NodeJS.ProcessEnv = { ...source };
  for (const [key, value] of Object.entries(source)) {
    const m = /^SST_(Secret|Parameter)_value_(.+)$/.exec(key);
    if (!m || value === undefined) continue;
    const [, kind, name] = m as unknown as [string, string, string];
    if (env[name] !== undefined) continue;
    if (value !== "__FETCH_FROM_SSM__") {
      env[name] = value;
      continue;
    }
    const paths = [
      `${source.SST_SSM_PREFIX ?? ""}${kind}/${name}/value`,
      `/sst/${source.SST_APP}/.fallback/${kind}/${name}/value`,
    ];
    for (const path of paths) {
      try {
        env[name] = await ssm(path);
        break;
      } catch {
        // not set at this path: try the fallback
      }
    }
    // never set: a config that references it fails with "environment variable NAME is not set"
    if (env[name] === undefined) logger.warn("SST value is not set", { name, stage: source.SST_STAGE });
  }
  return env;
}

export function context(): Promise<{ config: SlaConfig; runtime: Runtime }> {
  cached ??= (async () => {
    // every SST secret read from SSM is a secret for the scrubber, referenced by the config or not
    const ssm = learningSsm(createSsmResolver(), scrubber);
    const env = await boundValues(process.env, ssm);
    const config = await loadConfig(
      env.SLA_CONFIG ?? "sla.config.yaml",
      env.SLA_STAGE ? { stage: env.SLA_STAGE } : {},
    );
    const runtime = await createRuntime(config, { env, ssm, scrubber });
    return { config, runtime };
  })();
  cached.catch(() => {
    cached = undefined; // a failed cold start (e.g. SSM throttled) is retried by the next invocation
  });
  return cached;
}

/** Any text that leaves the function goes through here (the runtime's scrubber is the container's). */
export function scrub(text: string, runtime?: Runtime): string {
  return (runtime?.scrubber ?? scrubber).scrub(text);
}

/** A Lambda handler whose result and errors (logged by Lambda, returned to the invoker) pass the scrubber. */
export function guarded<A extends unknown[], R>(fn: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  return async (...args) => {
    try {
      return scrubber.scrubDeep(await fn(...args));
    } catch (e) {
      throw scrubber.scrubError(e);
    }
  };
}
