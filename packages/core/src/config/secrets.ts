import type { SecretRef } from "./schema.js";

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
