// Errors of the OpenStack clients, typed so callers can tell them apart. Messages name the
// URL or cloud they concern and never carry a token, password or secret.

export class OpenStackError extends Error {
  override readonly name: string = "OpenStackError";
}

/** Keystone (or a service) answered 401: wrong credentials, or a token it no longer accepts. */
export class AuthError extends OpenStackError {
  override readonly name = "AuthError";
  constructor(
    message: string,
    readonly url: string,
  ) {
    super(message);
  }
}

/** No answer: connection refused, reset before an answer, DNS failure or a timeout. */
export class UnreachableError extends OpenStackError {
  override readonly name = "UnreachableError";
  constructor(
    readonly url: string,
    readonly reason: string,
  ) {
    super(`${url} is unreachable: ${reason}`);
  }
}

/** The transfer was aborted by the caller (e.g. SIGINT). */
export class AbortedError extends OpenStackError {
  override readonly name = "AbortedError";
  constructor(readonly url: string) {
    super(`request to ${url} was aborted`);
  }
}

/** An answer with a status the caller did not expect. */
export class HttpError extends OpenStackError {
  override readonly name = "HttpError";
  constructor(
    readonly method: string,
    readonly url: string,
    readonly status: number,
    readonly detail: string,
  ) {
    super(`${method} ${url} failed: HTTP ${status}${detail ? ` (${detail})` : ""}`);
  }
}

/** The service catalog has no endpoint of that type for the region and interface. */
export class EndpointNotFoundError extends OpenStackError {
  override readonly name = "EndpointNotFoundError";
}

export class ImageNotFoundError extends OpenStackError {
  override readonly name = "ImageNotFoundError";
  constructor(
    readonly cloud: string,
    readonly image: string,
  ) {
    super(`image '${image}' not found on cloud '${cloud}'`);
  }
}

/** Several images share the name: the caller must pick one by id. */
export class AmbiguousImageError extends OpenStackError {
  override readonly name = "AmbiguousImageError";
  constructor(
    readonly cloud: string,
    readonly image: string,
    readonly ids: string[],
  ) {
    super(
      `${ids.length} images are named '${image}' on cloud '${cloud}'; name one by id: ${ids.join(", ")}`,
    );
  }
}

/** A response body did not have the shape the API documents. */
export class BadResponseError extends OpenStackError {
  override readonly name = "BadResponseError";
}
