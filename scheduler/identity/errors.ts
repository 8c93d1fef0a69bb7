// Typed errors of worker identity. None ever carries a token: a token is a Secret, and messages
// name the worker, the identity and what went wrong.

export class IdentityError extends Error {
  override readonly name: string = "IdentityError";
}

/** A worker's token could not be minted (or what was minted is not what was asked for). */
export class TokenIssueError extends IdentityError {
  override readonly name = "TokenIssueError";
  constructor(
    readonly worker: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(`cannot mint the IDTOKEN of worker ${worker}: ${reason}`, options);
  }
}

/** The central manager's revocation list could not be read or written. */
export class RevocationError extends IdentityError {
  override readonly name = "RevocationError";
  constructor(reason: string, options?: { cause?: unknown }) {
    super(`token revocation list: ${reason}`, options);
  }
}
