/**
 * The root of every error okxkit throws. Each carries a stable `code` (an OKX code such as
 * "50113" or an okxkit code such as "CONFIG_INVALID") and a `hint` telling the user what to do.
 * No error ever carries a secret: messages are built from field names and public values only.
 */
export class OkxkitError extends Error {
  readonly code: string;
  readonly hint: string | undefined;
  constructor(message: string, opts: { code: string; hint?: string; cause?: unknown }) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.code = opts.code;
    this.hint = opts.hint;
  }
  toJSON(): Record<string, unknown> {
    return { name: this.name, code: this.code, message: this.message, hint: this.hint };
  }
}

/** Bad user input (config, CLI flags, request params): names the field and the fix. */
export class ValidationError extends OkxkitError {
  readonly field: string;
  constructor(field: string, problem: string, fix?: string) {
    super(`${field}: ${problem}${fix ? ` (${fix})` : ''}`, { code: 'INVALID_INPUT', hint: fix });
    this.field = field;
  }
}

/**
 * The code carried by a thrown value, when it has a string one: an okxkit or OKX code
 * (`OkxkitError.code`, e.g. "51603"), or a Node system error's (e.g. "ENOENT"). The one place
 * that reads `code` off an unknown error.
 */
export function errorCode(err: unknown): string | undefined {
  if (err && typeof err === 'object' && 'code' in err) {
    const c = err.code;
    if (typeof c === 'string') return c;
  }
  return undefined;
}

/** The message of a thrown value, for logs and reasons (a non-Error is stringified). */
export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
