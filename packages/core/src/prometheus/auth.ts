/**
 * Authentication for the Prometheus HTTP APIs (query and remote write): none, basic, bearer, or AWS SigV4
 * (Amazon Managed Service for Prometheus). Secrets arrive already resolved; they only ever go into request
 * headers, never into errors or logs (see `describeAuth`).
 *
 * The AWS modules are imported lazily, only when a SigV4 request is signed, so that code paths and tests
 * without SigV4 load no AWS SDK code at all.
 */
import { basicAuthSecret } from "../config/redact.js";

/** Structurally the same as `AwsCredentialIdentity` of `@smithy/types` (declared here to avoid the import). */
export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}
/** Structurally the same as `AwsCredentialIdentityProvider` of `@smithy/types`. */
export type AwsCredentialIdentityProvider = () => Promise<AwsCredentials>;

export type PrometheusAuth =
  | { type: "none" }
  | { type: "basic"; username: string; password: string }
  | { type: "bearer"; token: string }
  | {
      type: "sigv4";
      region: string;
      /** signing service name, default "aps" (Amazon Managed Service for Prometheus) */
      service?: string;
      /** default: `defaultProvider()` of `@aws-sdk/credential-provider-node` (env, SSO, ini, IMDS, ECS...) */
      credentials?: AwsCredentialIdentityProvider;
    };

export interface RequestToSign {
  method: string;
  url: string;
  /** headers the request will carry anyway (content-type, ...); names are case-insensitive */
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  /** SigV4 signing time (tests); default now */
  signingDate?: Date;
}

/** The secret values of an auth setting, for the scrubber (for basic: the password and the header's forms). */
export function authSecrets(auth: PrometheusAuth | undefined): string[] {
  if (auth?.type === "basic") return [auth.password, basicAuthSecret(auth.username, auth.password)];
  if (auth?.type === "bearer") return [auth.token];
  return [];
}

/** A one-line description of the auth that is safe to log (no secrets). */
export function describeAuth(auth: PrometheusAuth | undefined): string {
  if (!auth || auth.type === "none") return "none";
  if (auth.type === "basic") return "basic (user [redacted])";
  if (auth.type === "bearer") return "bearer [redacted]";
  return `sigv4 (${auth.service ?? "aps"}, ${auth.region})`;
}

/**
 * Returns the headers to send: the given ones plus the authentication headers. For SigV4 the result also
 * holds `host`, `x-amz-date`, `x-amz-content-sha256` (and `x-amz-security-token` with session credentials);
 * the request must then be sent with exactly these headers and this body.
 */
export async function signRequest(
  auth: PrometheusAuth | undefined,
  req: RequestToSign,
): Promise<Record<string, string>> {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers ?? {})) headers[k.toLowerCase()] = v;
  if (!auth || auth.type === "none") return headers;
  if (auth.type === "basic") {
    if (auth.username.includes(":")) throw new Error("basic auth username must not contain ':'");
    const token = Buffer.from(`${auth.username}:${auth.password}`, "utf8").toString("base64");
    headers.authorization = `Basic ${token}`;
    return headers;
  }
  if (auth.type === "bearer") {
    headers.authorization = `Bearer ${auth.token}`;
    return headers;
  }
  return signV4(auth, req, headers);
}

let defaultCredentials: AwsCredentialIdentityProvider | undefined;

async function signV4(
  auth: Extract<PrometheusAuth, { type: "sigv4" }>,
  req: RequestToSign,
  headers: Record<string, string>,
): Promise<Record<string, string>> {
  const [{ SignatureV4 }, { Sha256 }] = await Promise.all([
    import("@smithy/signature-v4"),
    import("@aws-crypto/sha256-js"),
  ]);
  let credentials = auth.credentials;
  if (!credentials) {
    if (!defaultCredentials) {
      const { defaultProvider } = await import("@aws-sdk/credential-provider-node");
      defaultCredentials = defaultProvider();
    }
    credentials = defaultCredentials;
  }
  const url = new URL(req.url);
  const query: Record<string, string | string[]> = {};
  for (const [k, v] of url.searchParams) {
    const prev = query[k];
    query[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  headers.host = url.host;
  const signer = new SignatureV4({
    service: auth.service ?? "aps",
    region: auth.region,
    credentials,
    sha256: Sha256,
  });
  const signed = await signer.sign(
    {
      method: req.method.toUpperCase(),
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: url.pathname,
      query,
      headers,
      ...(req.body !== undefined ? { body: req.body } : {}),
    },
    req.signingDate ? { signingDate: req.signingDate } : {},
  );
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(signed.headers)) out[k.toLowerCase()] = String(v);
  return out;
}
