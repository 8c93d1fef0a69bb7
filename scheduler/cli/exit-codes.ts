// Exit codes scripts can rely on.
export const EXIT_OK = 0;
/** The command ran and failed (a cloud, HTCondor or git error). */
export const EXIT_FAILURE = 1;
/** Bad usage or an invalid config: fix the input and run again. */
export const EXIT_USAGE = 2;

/** The user asked for something that cannot be done as asked; main() exits with EXIT_USAGE. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}
