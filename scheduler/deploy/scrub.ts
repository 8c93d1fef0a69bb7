// Removes anything that looks like a credential from text we quote in errors and logs
// (Pulumi and provider output can echo request headers, URLs and config): every secret the
// process knows (scheduler/secrets/registry.ts), the exact values given, and credential shapes.
import { knownSecrets, SecretRegistry } from "../secrets/registry.js";

/** `text` with credentials replaced by ***; `known` are exact secret values to remove as well. */
export function scrubSecrets(text: string, known: readonly string[] = []): string {
  if (known.length === 0) return knownSecrets.scrub(text);
  const extra = new SecretRegistry();
  for (const secret of known) extra.add(secret);
  return knownSecrets.scrub(extra.scrub(text));
}
