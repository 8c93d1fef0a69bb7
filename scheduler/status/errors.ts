// Errors `cloudscheduler status` tells apart from bugs: there is no status to show (yet).

/** No snapshot: no status file, the daemon's URL unreachable, or data this version cannot read. */
export class StatusUnavailableError extends Error {
  override readonly name = "StatusUnavailableError";
}

/** A --listen address that cannot be used: malformed, or not loopback without being explicit. */
export class ListenAddressError extends Error {
  override readonly name = "ListenAddressError";
}
