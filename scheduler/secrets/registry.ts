// The one registry of the secrets this process knows (passwords, application-credential
// secrets, the Pulumi passphrase, the admin token, worker IDTOKENs) and the one scrubber every
// output uses: the logger, error messages quoted from child processes, the status snapshot.
// A Secret registers its value when it is made (config/secret.ts), so nothing that holds a
// credential can forget to tell the scrubber about it.

const REDACTED = "***";

/** Shorter values would redact ordinary words (and are no secret worth the name). */
const MIN_LENGTH = 4;

/** Shapes of credentials that are redacted even when their value was never registered. */
const PATTERNS: [RegExp, string][] = [
  // https://user:secret@host → https://***@host
  [/:\/\/[^/@\s]+@/g, `://${REDACTED}@`],
  // X-Auth-Token: gAAAA…, Authorization: Bearer …
  [
    /\b(x-auth-token|x-subject-token|authorization)(\s*[:=]\s*)("?)(?:bearer\s+)?[^\s",}]+/gi,
    `$1$2$3${REDACTED}`,
  ],
  // password=…, "password": "…", application_credential_secret: …, OS_PASSWORD=…, token: …
  // (a label that ends in the word: "condor_token_create: exit 1" is not a credential).
  [
    /\b([A-Za-z_]*(?:password|passphrase|secret|token|api_?key))(?![A-Za-z_])("?\s*[:=]\s*)("?)[^\s",}]+/gi,
    `$1$2$3${REDACTED}`,
  ],
  // Keystone Fernet tokens stand out even without a label.
  [/\bgAAAAA[A-Za-z0-9_-]{20,}/g, REDACTED],
  // A JWT (HTCondor IDTOKENs are JWTs): header.payload.signature, base64url.
  [/\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g, REDACTED],
];

export class SecretRegistry {
  readonly #values = new Set<string>();
  /** One alternation of every known value (and its JSON-escaped form), rebuilt on change. */
  #pattern: RegExp | undefined;

  /** Remembers a secret value; values too short to scrub safely are ignored. */
  add(value: string | undefined): void {
    if (value === undefined || value.length < MIN_LENGTH || this.#values.has(value)) return;
    this.#values.add(value);
    this.#pattern = undefined;
  }

  /** Forgets a value no longer in use (a worker token once its worker is gone). */
  forget(value: string): void {
    if (this.#values.delete(value)) this.#pattern = undefined;
  }

  get size(): number {
    return this.#values.size;
  }

  /** `text` with every known secret, and anything shaped like a credential, replaced by ***. */
  scrub(text: string): string {
    let out = text;
    const known = this.#compiled();
    if (known !== undefined) out = out.replace(known, REDACTED);
    for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
    return out;
  }

  #compiled(): RegExp | undefined {
    if (this.#values.size === 0) return undefined;
    if (this.#pattern === undefined) {
      const forms = new Set<string>();
      for (const value of this.#values) {
        forms.add(value);
        // The same secret inside a JSON string (a log line, status.json) has its escapes.
        forms.add(JSON.stringify(value).slice(1, -1));
      }
      // Longest first, so a secret that contains another is removed whole.
      const sorted = [...forms].sort((a, b) => b.length - a.length);
      this.#pattern = new RegExp(sorted.map(escapeRegExp).join("|"), "g");
    }
    return this.#pattern;
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** The process's registry: every Secret adds itself here. */
export const knownSecrets = new SecretRegistry();

/** Environment variables whose values are secrets wherever they are set. */
export const SECRET_ENV = [
  "OS_PASSWORD",
  "OS_APPLICATION_CREDENTIAL_SECRET",
  "OS_TOKEN",
  "PULUMI_CONFIG_PASSPHRASE",
  "PULUMI_ACCESS_TOKEN",
  "CLOUDSCHEDULER_ADMIN_TOKEN",
] as const;

/** Registers the secrets the environment holds (call once at start-up, before logging). */
export function registerEnvironmentSecrets(
  env: NodeJS.ProcessEnv,
  registry: SecretRegistry = knownSecrets,
): void {
  for (const key of SECRET_ENV) registry.add(env[key]);
}

/** Scrubs with the process's registry. */
export function scrub(text: string): string {
  return knownSecrets.scrub(text);
}
