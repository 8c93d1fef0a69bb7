// Errors of template rendering, typed so callers can tell a bad value from a broken template.

/** A value cannot be written safely into the target syntax (e.g. a NUL byte in a shell word). */
export class UnsafeValueError extends Error {
  override readonly name = "UnsafeValueError";
  constructor(
    readonly syntax: string,
    readonly reason: string,
  ) {
    super(`cannot quote value for ${syntax}: ${reason}`);
  }
}

/** A template failed: missing variable, unknown partial or helper, or a value that is unsafe. */
export class RenderError extends Error {
  override readonly name = "RenderError";
  constructor(
    readonly template: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`template ${template}: ${message}`, options);
  }
}
