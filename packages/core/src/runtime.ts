/**
 * Wires a parsed config to its adapters: Prometheus query client and remote writer (with resolved auth),
 * the object store (S3 bucket, or a local folder) and the notifier (SNS topic, or a local outbox).
 * The Lambda handlers and the CLI both start here, so the same code runs in AWS and on a laptop.
 * The store, the notifier and the writer come wrapped by the secrets boundary (`boundary.ts`): everything
 * they write or send passes the runtime's `Scrubber`, which learns every secret of the config as it is
 * resolved (env values here, SSM values through the runtime's `ssm` resolver).
 */
import { join, resolve } from "node:path";
import { learningSsm, ScrubbingNotifier, ScrubbingObjectStore, scrubbingWriter } from "./boundary.js";
import { redactUrl, Scrubber } from "./config/redact.js";
import type { PrometheusConfig, SlaConfig } from "./config/schema.js";
import { configSecretValues, resolveSecret, type SsmResolver } from "./config/secrets.js";
import { OutboxEmailSender } from "./notify/email-outbox.js";
import { type Notifier, OutboxNotifier, SnsNotifier } from "./notify/index.js";
import { authSecrets, type PrometheusAuth } from "./prometheus/auth.js";
import { createPrometheusClient, type PrometheusClient } from "./prometheus/client.js";
import { createRemoteWriter, type RemoteWriter } from "./prometheus/remote-write.js";
import { ReportEmailer } from "./report/email.js";
import { LocalObjectStore, type ObjectStore, S3ObjectStore, s3ClientFor } from "./store/index.js";
import { ViewerLinks } from "./viewer/links.js";
import { type LinkSecretSource, localLinkSecret, secretsManagerLinkSecret } from "./viewer/secret.js";

export interface RuntimeOptions {
  env?: NodeJS.ProcessEnv;
  /** local mode: folder for reports/state (default ./out) and the outbox (<dir>/outbox) */
  outDir?: string;
  /** override the config's Prometheus URL (CLI --prometheus, env SLA_PROMETHEUS_URL) */
  prometheusUrl?: string;
  /** print outbox messages to stdout */
  consoleOutbox?: boolean;
  /**
   * The report viewer's base URL (default env SLA_VIEWER_URL): notifications then carry signed links. The
   * link secret is the Secrets Manager secret SLA_LINK_SECRET_ARN, or with a local folder its own secret file.
   */
  viewerUrl?: string;
  /** SSM reader for `{ ssm: ... }` references (default: one on the SDK's default credentials) */
  ssm?: SsmResolver;
  /**
   * The process's scrubber (the CLI's output and the Lambdas' logger use it too); the runtime teaches it the
   * config's secrets. Default: a new one.
   */
  scrubber?: Scrubber;
}

export interface Runtime {
  prometheus: PrometheusClient;
  writer: RemoteWriter;
  store: ObjectStore;
  notifier: Notifier;
  /** Prometheus URL without credentials, for reports and logs */
  sourceLabel: string;
  /** the Prometheus auth secrets resolved for this runtime (the scrubber knows them, and more) */
  secrets: string[];
  /** THE scrubber: the store, notifier and writer above already pass everything through it */
  scrubber: Scrubber;
  env: NodeJS.ProcessEnv;
  /** resolves `{ ssm }` references and teaches the scrubber each value */
  ssm: SsmResolver;
  /** signed links to reports through the viewer, when a viewer URL is configured */
  links?: ViewerLinks;
  /**
   * `notify.email.ses`: the report email, sent by SES where notifications go to SNS (SLA_TOPIC_ARN), else
   * written to the outbox as `.eml` files
   */
  email?: ReportEmailer;
}

/**
 * Reads SecureString parameters from SSM (decrypted), once per parameter per container. Uses
 * `GetParameters`, the action SST grants for bound secrets; a missing parameter throws ParameterNotFound.
 */
export function createSsmResolver(): SsmResolver {
  const cache = new Map<string, Promise<string>>();
  let client: import("@aws-sdk/client-ssm").SSMClient | undefined;
  return (name) => {
    let v = cache.get(name);
    if (!v) {
      v = (async () => {
        const { SSMClient, GetParametersCommand } = await import("@aws-sdk/client-ssm");
        client ??= new SSMClient({});
        const r = await client.send(new GetParametersCommand({ Names: [name], WithDecryption: true }));
        const value = r.Parameters?.[0]?.Value;
        if (value === undefined) {
          throw Object.assign(new Error(`SSM parameter ${name} not found`), { name: "ParameterNotFound" });
        }
        return value;
      })();
      v.catch(() => cache.delete(name));
      cache.set(name, v);
    }
    return v;
  };
}

export async function resolveAuth(
  p: PrometheusConfig,
  env: NodeJS.ProcessEnv,
  ssm?: SsmResolver,
): Promise<PrometheusAuth> {
  const a = p.auth;
  const opts = (what: string) => ({ env, what, ...(ssm ? { ssm } : {}) });
  switch (a.type) {
    case "none":
      return { type: "none" };
    case "basic":
      return {
        type: "basic",
        username: a.username,
        password: await resolveSecret(a.password, opts("prometheus.auth.password")),
      };
    case "bearer":
      return { type: "bearer", token: await resolveSecret(a.token, opts("prometheus.auth.token")) };
    case "sigv4":
      return { type: "sigv4", region: a.region, service: a.service };
  }
}

export async function createRuntime(config: SlaConfig, opts: RuntimeOptions = {}): Promise<Runtime> {
  const env = opts.env ?? process.env;
  const url = opts.prometheusUrl ?? env.SLA_PROMETHEUS_URL ?? config.prometheus.url;
  const remoteWriteUrl =
    opts.prometheusUrl || env.SLA_PROMETHEUS_URL
      ? `${url.replace(/\/$/, "")}/api/v1/write`
      : config.prometheus.remoteWriteUrl;
  const scrubber = opts.scrubber ?? new Scrubber();
  // the URLs in use (a --prometheus override included) and everything the config holds or names in env
  const prometheusInUse = { ...config.prometheus, url, remoteWriteUrl };
  scrubber.add(...configSecretValues({ targets: config.targets, prometheus: prometheusInUse }, env));
  const ssm = learningSsm(opts.ssm ?? createSsmResolver(), scrubber);
  const auth = await resolveAuth(config.prometheus, env, ssm);
  const secrets = authSecrets(auth);
  scrubber.add(...secrets);
  const prometheus = createPrometheusClient({ url, auth, timeoutMs: config.prometheus.timeoutMs });
  const writer = scrubbingWriter(
    createRemoteWriter({
      url: remoteWriteUrl,
      auth,
      timeoutMs: Math.min(10_000, config.prometheus.timeoutMs),
    }),
    scrubber,
  );
  const outDir = resolve(opts.outDir ?? env.SLA_OUT_DIR ?? "out");
  const store: ObjectStore = new ScrubbingObjectStore(
    env.SLA_BUCKET
      ? new S3ObjectStore({ bucket: env.SLA_BUCKET, client: s3ClientFor(env), scrubber })
      : new LocalObjectStore({ dir: outDir }),
    scrubber,
  );
  const notifier: Notifier = new ScrubbingNotifier(
    env.SLA_TOPIC_ARN
      ? new SnsNotifier({ topicArn: env.SLA_TOPIC_ARN, scrubber })
      : new OutboxNotifier({ dir: join(outDir, "outbox"), console: opts.consoleOutbox ?? false }),
    scrubber,
  );
  const sourceLabel = redactUrl(url);
  const viewerUrl = opts.viewerUrl ?? env.SLA_VIEWER_URL;
  let links: ViewerLinks | undefined;
  if (viewerUrl) {
    if (env.SLA_BUCKET && !env.SLA_LINK_SECRET_ARN) {
      throw new Error("SLA_VIEWER_URL with SLA_BUCKET needs SLA_LINK_SECRET_ARN (the viewer's link secret)");
    }
    const source: LinkSecretSource = env.SLA_LINK_SECRET_ARN
      ? secretsManagerLinkSecret(env.SLA_LINK_SECRET_ARN)
      : localLinkSecret(outDir);
    // the secret is one more thing the scrubber never lets out
    const learning: LinkSecretSource = async () => {
      const s = await source();
      scrubber.add(new TextDecoder().decode(s));
      return s;
    };
    links = new ViewerLinks(viewerUrl, learning, config.report.links.expiryDays);
  }
  const ses = config.notify.email?.ses;
  const email = ses
    ? new ReportEmailer(
        ses,
        scrubber,
        env.SLA_TOPIC_ARN ? undefined : new OutboxEmailSender(join(outDir, "outbox")),
      )
    : undefined;
  return {
    prometheus,
    writer,
    store,
    notifier,
    sourceLabel,
    secrets,
    scrubber,
    env,
    ssm,
    ...(links ? { links } : {}),
    ...(email ? { email } : {}),
  };
}

/** What a report run needs from the config and the runtime (the Lambda, the CLI and the demo share it). */
export function reportDeps(config: SlaConfig, rt: Runtime) {
  return {
    slos: config.slos,
    notifyConfig: config.notify,
    api: rt.prometheus,
    store: rt.store,
    notifier: rt.notifier,
    sourceLabel: rt.sourceLabel,
    latencyTargets: Object.fromEntries(config.targets.map((t) => [t.name, t.latency])),
    ...(rt.links ? { links: rt.links } : {}),
    ...(rt.email ? { email: rt.email } : {}),
  };
}

/** What a probe run needs from the config and the runtime; `write: false` skips remote write. */
export function probeDeps(config: SlaConfig, rt: Runtime, write = true) {
  return {
    config,
    writer: write ? rt.writer : null,
    env: rt.env,
    ssm: rt.ssm,
    store: rt.store,
    notifier: rt.notifier,
  };
}
