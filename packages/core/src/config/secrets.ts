import { basicAuthSecret, isSensitiveParam } from "./redact.js";
import type { SecretRef, SlaConfig } from "./schema.js";

/** Fetches an SSM parameter (decrypted) by name. Injected so the config module stays free of AWS I/O. */
export type SsmResolver = (name: string) => Promise<string>;

export interface ResolveSecretOptions {
  /** Usually `process.env`. */
  env: Readonly<Record<string, string | undefined>>;
  /** Needed only when a reference uses `{ ssm: ... }`. */
  ssm?: SsmResolver;
  /** What the secret is for, used in error messages (e.g. `targets[0].headers.Authorization`). */
  what?: string;
}

/** Thrown when a secret reference cannot be resolved. The message names the reference, never a value. */
export class SecretResolutionError extends Error {
  override readonly name = "SecretResolutionError";
}

/**
 * Resolves a `SecretRef`: a plain string is returned as is, `{ env: NAME }` reads the environment
 * variable (missing or empty is an error naming the variable), `{ ssm: NAME }` calls the injected SSM
 * resolver. Errors name the variable or parameter and never contain a secret value.
 */
export async function resolveSecret(ref: SecretRef, options: ResolveSecretOptions): Promise<string> {
  const forWhat = options.what ? ` (needed for ${options.what})` : "";
  if (typeof ref === "string") return ref;
  if ("env" in ref) {
    const value = options.env[ref.env];
    if (value === undefined) {
      throw new SecretResolutionError(`environment variable ${ref.env} is not set${forWhat}`);
    }
    if (value === "") {
      throw new SecretResolutionError(`environment variable ${ref.env} is empty${forWhat}`);
    }
    return value;
  }
  if ("ssm" in ref) {
    if (!options.ssm) {
      throw new SecretResolutionError(
        `SSM parameter ${ref.ssm} is referenced${forWhat} but no SSM resolver was provided`,
      );
    }
    let value: string;
    try {
      value = await options.ssm(ref.ssm);
    } catch (err) {
      // The underlying error may be anything; keep its class/code but not its text (it could echo a value).
      const code = (err as { name?: string; code?: string } | null)?.code ?? (err as Error | null)?.name;
      throw new SecretResolutionError(
        `cannot read SSM parameter ${ref.ssm}${forWhat}${code ? `: ${code}` : ""}`,
        { cause: err },
      );
    }
    if (typeof value !== "string" || value === "") {
      throw new SecretResolutionError(`SSM parameter ${ref.ssm} is empty${forWhat}`);
    }
    return value;
  }
  throw new SecretResolutionError(`invalid secret reference${forWhat}`);
}

/** Resolves every header value of a target; the result must only ever be passed to the HTTP client. */
export async function resolveHeaders(
  headers: Readonly<Record<string, SecretRef>>,
  options: ResolveSecretOptions,
): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [name, ref] of Object.entries(headers)) {
    out[name] = await resolveSecret(ref, {
      ...options,
      what: options.what ? `${options.what}.${name}` : name,
    });
  }
  return out;
}

/** Header names that carry a credential: an inline value of one of these is a secret (and warned about). */
const CREDENTIAL_HEADER = /auth|token|secret|passw|api-?key|session|credential|signature|cookie/i;

export const isCredentialHeader = (name: string): boolean => CREDENTIAL_HEADER.test(name);

/** Credentials a URL carries: userinfo (as the Basic header the probe builds from it) and token-like parameters. */
function urlSecrets(url: string): string[] {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return [];
  }
  const out: string[] = [];
  const dec = (s: string) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  };
  if (u.password) out.push(dec(u.password), basicAuthSecret(dec(u.username), dec(u.password)));
  else if (u.username) out.push(dec(u.username));
  for (const [name, value] of u.searchParams) if (isSensitiveParam(name)) out.push(value);
  return out;
}

/**
 * The secret values of a config that are known without I/O: inline credential headers, `{ env }` header
 * values and Prometheus auth read from `env`, URL userinfo and token-like query parameters. Values behind
 * `{ ssm }` are learned when they are resolved (the runtime's SSM resolver hands them to the scrubber).
 */
export function configSecretValues(
  config: Pick<SlaConfig, "targets" | "prometheus">,
  env: Readonly<Record<string, string | undefined>>,
): string[] {
  const out: string[] = [];
  const value = (ref: SecretRef): string | undefined =>
    typeof ref === "string" ? ref : "env" in ref ? env[ref.env] : undefined;
  for (const t of config.targets) {
    for (const [name, ref] of Object.entries(t.headers)) {
      if (typeof ref === "string" && !isCredentialHeader(name)) continue;
      const v = value(ref);
      if (v) out.push(v);
    }
    out.push(...urlSecrets(t.url));
  }
  const p = config.prometheus;
  out.push(...urlSecrets(p.url), ...urlSecrets(p.remoteWriteUrl));
  if (p.auth.type === "basic") {
    const pw = value(p.auth.password);
    if (pw) out.push(pw, basicAuthSecret(p.auth.username, pw));
  } else if (p.auth.type === "bearer") {
    const token = value(p.auth.token);
    if (token) out.push(token);
  }
  return out;
}

const INLINE_FIX =
  "it is stored in the config file, which is bundled into the Lambda function zip; reference it instead " +
  'with { env: "NAME" } (an SST secret or environment variable) or { ssm: "/parameter/name" }';

/**
 * Warnings for secrets written into the config itself (credential headers, Prometheus passwords and
 * tokens, target URL userinfo), naming the path and `{ env }` / `{ ssm }` as the fix. `sla validate` prints
 * them, and so does the config loader that SST synth uses.
 */
export function inlineSecretWarnings(config: Pick<SlaConfig, "targets" | "prometheus" | "stages">): string[] {
  const out: string[] = [];
  config.targets.forEach((t, i) => {
    for (const [name, ref] of Object.entries(t.headers)) {
      if (typeof ref === "string" && isCredentialHeader(name)) {
        out.push(`targets[${i}].headers.${name} (target ${t.name}) is an inline secret: ${INLINE_FIX}`);
      }
    }
    try {
      const u = new URL(t.url);
      if (u.username || u.password) {
        out.push(
          `targets[${i}].url (target ${t.name}) carries credentials (user:password@): ${INLINE_FIX}; ` +
            "put them in headers.Authorization as such a reference",
        );
      }
    } catch {
      // the schema reports invalid URLs
    }
  });
  const auth = (a: SlaConfig["prometheus"]["auth"] | undefined, at: string) => {
    if (a?.type === "basic" && typeof a.password === "string")
      out.push(`${at}.password is an inline secret: ${INLINE_FIX}`);
    if (a?.type === "bearer" && typeof a.token === "string")
      out.push(`${at}.token is an inline secret: ${INLINE_FIX}`);
  };
  auth(config.prometheus.auth, "prometheus.auth");
  for (const [stage, o] of Object.entries(config.stages))
    auth(o.prometheus?.auth, `stages.${stage}.prometheus.auth`);
  return out;
}
