/** Exit codes of the `sla` command (documented in the README). */
export const EXIT = { ok: 0, breach: 1, usage: 2, unavailable: 3, inconclusive: 4, failed: 5 } as const;

export class ExitError extends Error {
  constructor(
    message: string,
    readonly code: number,
  ) {
    super(message);
  }
}
