// Removes anything that looks like a credential from text we quote in errors and logs
// (Pulumi and provider output can echo request headers, URLs and config).

const REDACTED = "***";

const PATTERNS: [RegExp, string][] = [
  // https://user:secret@host → https://***@host
  [/:\/\/[^/@\s]+@/g, `://${REDACTED}@`],
  // X-Auth-Token: gAAAA…, Authorization: Bearer …
  [
    /\b(x-auth-token|x-subject-token|authorization)(\s*[:=]\s*)("?)(?:bearer\s+)?[^\s",}]+/gi,
    `$1$2$3${REDACTED}`,
  ],
  // password=…, "password": "…", application_credential_secret: …, OS_PASSWORD=…, token: …
  [
    /\b([A-Za-z_]*(?:password|passphrase|secret|token|api_?key)[A-Za-z_]*)("?\s*[:=]\s*)("?)[^\s",}]+/gi,
    `$1$2$3${REDACTED}`,
  ],
  // Keystone Fernet tokens stand out even without a label.
  [/\bgAAAAA[A-Za-z0-9_-]{20,}/g, REDACTED],
];

/** `text` with credentials replaced by ***; `known` are exact secret values to remove as well. */
export function scrubSecrets(text: string, known: readonly string[] = []): string {
  let out = text;
  for (const secret of known) {
    if (secret.length >= 4) out = out.split(secret).join(REDACTED);
  }
  for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
  return out;
}
