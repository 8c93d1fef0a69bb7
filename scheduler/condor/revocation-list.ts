// The collector's list of revoked worker tokens, kept in HTCondor itself: a persistent config
// knob (CLOUDSCHEDULER_REVOKED_TOKENS) that the central manager's SEC_TOKEN_REVOCATION_EXPR
// refers to. The scheduler may set that one knob and nothing else (SETTABLE_ATTRS_ADMINISTRATOR
// in templates/appliances/scheduler/condor.conf.hbs): it can revoke tokens, never grant
// anything. The list lives in HTCondor, so a restarted scheduler reads it back and a restarted
// collector keeps it (ENABLE_PERSISTENT_CONFIG).
import type { CondorConfig } from "../config/schema.js";
import { RevocationError } from "../identity/errors.js";
import { parseRevocationExpression, revocationExpression } from "../identity/revocations.js";
import type { Revocation, RevocationList } from "../identity/types.js";
import { condorEnv } from "../secrets/child-env.js";
import {
  condorConfigValGetArgs,
  condorConfigValSetArgs,
  condorReconfigArgs,
  REVOKED_TOKENS_KNOB,
} from "./commands.js";
import { CondorError } from "./errors.js";
import { type CondorTool, collectText, type RunOptions, runTool } from "./run.js";

export interface CondorRevocationListOptions {
  binDir?: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs: number;
}

/**
 * condor_config_val's answer for a knob the daemon does not have: asked of a daemon
 * (-collector), HTCondor 25 prints "Not defined" on stdout and exits 0; asked locally, "Not
 * defined: <knob>" on stderr with exit 1.
 */
const NOT_DEFINED = /not defined/i;

export class CondorRevocationList implements RevocationList {
  constructor(
    private readonly config: CondorConfig,
    private readonly options: CondorRevocationListOptions,
  ) {}

  async read(): Promise<Revocation[]> {
    let value: string;
    try {
      value = await this.run(
        "condor_config_val",
        condorConfigValGetArgs(this.config, REVOKED_TOKENS_KNOB),
      );
    } catch (err) {
      if (err instanceof CondorError && NOT_DEFINED.test(err.message)) return [];
      throw new RevocationError(`cannot read ${REVOKED_TOKENS_KNOB}: ${messageOf(err)}`, {
        cause: err,
      });
    }
    if (/^not defined$/i.test(value.trim())) return [];
    return parseRevocationExpression(value);
  }

  async write(revocations: readonly Revocation[]): Promise<void> {
    const expression = revocationExpression(revocations);
    try {
      await this.run(
        "condor_config_val",
        condorConfigValSetArgs(this.config, REVOKED_TOKENS_KNOB, expression),
      );
      await this.run("condor_reconfig", condorReconfigArgs(this.config));
    } catch (err) {
      throw new RevocationError(`cannot set ${REVOKED_TOKENS_KNOB}: ${messageOf(err)}`, {
        cause: err,
      });
    }
  }

  private run(tool: CondorTool, args: string[]): Promise<string> {
    const options: RunOptions = {
      timeoutMs: this.options.timeoutMs,
      env: condorEnv(this.options.env ?? process.env),
    };
    if (this.options.binDir !== undefined) options.binDir = this.options.binDir;
    return runTool(tool, args, options, collectText());
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
