/**
 * Where the link secret comes from. In AWS: a Secrets Manager secret the stack generates (its string's UTF-8
 * bytes are the HMAC key), read with GetSecretValue and cached for 5 minutes, so a rotation revokes every
 * link within 5 minutes without a redeploy. Locally: a file `<out dir>/.sla-link-secret` created with 32
 * random bytes on first use (mode 0600), shared by `sla report`, `sla demo` and `sla serve --signed`.
 * The secret is never written anywhere else; the caller teaches it to the scrubber.
 */
import { randomBytes } from "node:crypto";
import { open, readFile } from "node:fs/promises";
import { join } from "node:path";
import { LinkSecretError, MIN_LINK_SECRET_BYTES } from "./sign.js";

export type LinkSecretSource = () => Promise<Uint8Array>;

/** The local secret's file name inside the output folder (outside `reports/`, so never served). */
export const LOCAL_LINK_SECRET_FILE = ".sla-link-secret";

const bytesOf = (value: string, where: string): Uint8Array => {
  const b = new TextEncoder().encode(value.trim());
  if (b.byteLength < MIN_LINK_SECRET_BYTES) {
    throw new LinkSecretError(
      `${where}: the link secret has ${b.byteLength} bytes; at least ${MIN_LINK_SECRET_BYTES} are needed`,
    );
  }
  return b;
};

/** The folder's link secret, created on first use (exclusive create: concurrent first uses agree). */
export function localLinkSecret(dir: string): LinkSecretSource {
  const file = join(dir, LOCAL_LINK_SECRET_FILE);
  let cached: Promise<Uint8Array> | undefined;
  const load = async (): Promise<Uint8Array> => {
    try {
      return bytesOf(await readFile(file, "utf8"), file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    }
    try {
      const fh = await open(file, "wx", 0o600);
      try {
        await fh.writeFile(`${randomBytes(32).toString("base64url")}\n`);
      } finally {
        await fh.close();
      }
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    }
    return bytesOf(await readFile(file, "utf8"), file);
  };
  return () => {
    cached ??= load();
    cached.catch(() => {
      cached = undefined;
    });
    return cached;
  };
}

export interface SecretsManagerSourceOptions {
  /** how long a read value is used before it is read again (default 5 min: a rotation takes effect after it) */
  ttlMs?: number;
  /** a failed re-read keeps using the last value for at most this long (default 1 h) */
  staleIfErrorMs?: number;
  client?: import("@aws-sdk/client-secrets-manager").SecretsManagerClient;
  now?: () => number;
}

/** The stack's generated secret (ARN or name), read with GetSecretValue and cached. */
export function secretsManagerLinkSecret(
  secretId: string,
  opts: SecretsManagerSourceOptions = {},
): LinkSecretSource {
  const ttl = opts.ttlMs ?? 5 * 60_000;
  const stale = opts.staleIfErrorMs ?? 60 * 60_000;
  const now = opts.now ?? Date.now;
  let client = opts.client;
  let last: { value: Uint8Array; at: number } | undefined;
  let inflight: Promise<Uint8Array> | undefined;
  const read = async (): Promise<Uint8Array> => {
    const { SecretsManagerClient, GetSecretValueCommand } = await import("@aws-sdk/client-secrets-manager");
    client ??= new SecretsManagerClient({});
    const r = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
    if (typeof r.SecretString !== "string") {
      throw new LinkSecretError(`secret ${secretId} has no string value`);
    }
    return bytesOf(r.SecretString, `secret ${secretId}`);
  };
  return async () => {
    const t = now();
    if (last && t - last.at < ttl) return last.value;
    inflight ??= read().finally(() => {
      inflight = undefined;
    });
    try {
      const value = await inflight;
      last = { value, at: t };
      return value;
    } catch (e) {
      if (last && t - last.at < stale) return last.value;
      throw e;
    }
  };
}
