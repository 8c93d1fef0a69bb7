// Mints worker IDTOKENs with condor_token_create, through the same no-shell, timeout runner as
// every other tool. The token comes back on stdout, is checked against what was asked for
// (identity, authorizations, expiry) and is wrapped in a Secret at once; no error ever holds it.
import { Secret } from "../config/secret.js";
import { TokenIssueError } from "../identity/errors.js";
import { scopeAuthorizations, tokenClaims } from "../identity/token-claims.js";
import type { TokenIssuer, TokenRequest, WorkerToken } from "../identity/types.js";
import { WORKER_AUTHORIZATIONS, workerIdentity } from "../identity/worker-identity.js";
import { condorEnv } from "../secrets/child-env.js";
import { condorTokenCreateArgs } from "./commands.js";
import { collectText, runTool } from "./run.js";

/** The signing key the site creates for worker tokens (see the scheduler appliance's setup). */
export const DEFAULT_WORKER_SIGNING_KEY = "cloudscheduler-workers";

/** A token expiring sooner than this is not worth minting: the worker could not even boot. */
export const MIN_TOKEN_LIFETIME_SECONDS = 600;

/** Seconds the minted expiry may differ from the one asked for (the clock moved while minting). */
const EXPIRY_SLACK_SECONDS = 120;

export interface CondorTokenIssuerOptions {
  /** Key id in the password directory (condor_token_create -key). */
  signingKey?: string;
  /**
   * Directory holding the signing key, readable by this process's user only (HTCondor refuses a
   * key file another user owns or can read); default: HTCondor's SEC_PASSWORD_DIRECTORY.
   */
  passwordDirectory?: string;
  /** Directory of condor_token_create; default PATH. */
  binDir?: string;
  /** Environment the tool's allow-listed variables come from; default process.env. */
  env?: NodeJS.ProcessEnv;
  timeoutMs: number;
}

export class CondorTokenIssuer implements TokenIssuer {
  constructor(private readonly options: CondorTokenIssuerOptions) {}

  async issue(request: TokenRequest, now: number): Promise<WorkerToken> {
    const { worker, expiresAt } = request;
    const identity = workerIdentity(worker);
    const lifetime = expiresAt - now;
    if (lifetime < MIN_TOKEN_LIFETIME_SECONDS) {
      throw new TokenIssueError(
        worker,
        `its life ends at ${expiresAt}, ${lifetime}s from now (less than ${MIN_TOKEN_LIFETIME_SECONDS}s)`,
      );
    }
    const env = condorEnv(this.options.env ?? process.env);
    if (this.options.passwordDirectory !== undefined)
      env._CONDOR_SEC_PASSWORD_DIRECTORY = this.options.passwordDirectory;
    const args = condorTokenCreateArgs(
      identity,
      this.options.signingKey ?? DEFAULT_WORKER_SIGNING_KEY,
      lifetime,
      WORKER_AUTHORIZATIONS,
    );
    let stdout: string;
    try {
      stdout = await runTool(
        "condor_token_create",
        args,
        {
          timeoutMs: this.options.timeoutMs,
          env,
          ...(this.options.binDir === undefined ? {} : { binDir: this.options.binDir }),
        },
        collectText(),
      );
    } catch (err) {
      // The runner's errors carry the command line and stderr: never the token (stdout).
      throw new TokenIssueError(worker, err instanceof Error ? err.message : String(err), {
        cause: err,
      });
    }
    const text = stdout.trim();
    const token = new Secret(text);
    const claims = tokenClaims(text);
    if (claims === undefined || text.includes("\n")) {
      throw new TokenIssueError(
        worker,
        "condor_token_create printed something that is not a token",
      );
    }
    if (claims.sub !== identity) {
      throw new TokenIssueError(worker, `the token is for ${claims.sub}, not ${identity}`);
    }
    const granted = scopeAuthorizations(claims.scope);
    if (granted.join(" ") !== [...WORKER_AUTHORIZATIONS].sort().join(" ")) {
      throw new TokenIssueError(worker, `the token grants [${granted.join(", ")}]`);
    }
    if (claims.exp === undefined || Math.abs(claims.exp - expiresAt) > EXPIRY_SLACK_SECONDS) {
      throw new TokenIssueError(
        worker,
        `the token expires at ${claims.exp ?? "never"}, not ${expiresAt}`,
      );
    }
    return {
      worker,
      identity,
      tokenId: claims.jti ?? "",
      issuedAt: claims.iat,
      expiresAt: claims.exp,
      token,
    };
  }
}
