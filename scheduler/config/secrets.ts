// Credentials never belong in the committed config: find keys that would hold one.
import { type Document, isMap, isPair, isScalar, isSeq } from "yaml";

const SECRET_KEY =
  /^(password|passwd|secret|token|passphrase|application_credential_secret|secret_access_key|private_key|api_key|.*_(password|passwd|secret|token|passphrase))$/i;

/** True for a key whose value would be a credential (password, secret, token...). */
export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

/** Key paths (as arrays) of every key that names a credential, anywhere in the document. */
export function findSecretKeys(doc: Document): (string | number)[][] {
  const found: (string | number)[][] = [];
  const walk = (node: unknown, path: (string | number)[]): void => {
    if (isMap(node)) {
      for (const pair of node.items) {
        if (!isPair(pair) || !isScalar(pair.key)) continue;
        const key = String(pair.key.value);
        if (isSecretKey(key)) found.push([...path, key]);
        walk(pair.value, [...path, key]);
      }
    } else if (isSeq(node)) {
      for (const [i, item] of node.items.entries()) walk(item, [...path, i]);
    }
  };
  walk(doc.contents, []);
  return found;
}

export const SECRET_ADVICE =
  "credentials must not be committed; keep them in OpenStack's secure.yaml or OS_* environment variables and name the clouds.yaml entry with 'cloud:'";

// scheme://user:password@host - a password pasted into a URL (a git remote, a proxy).
const URL_WITH_PASSWORD = /^[a-z][a-z0-9+.-]*:\/\/[^/@\s:]*:[^/@\s]+@/i;

/** Paths of string values that are URLs with an embedded password. */
export function findUrlCredentials(doc: Document): (string | number)[][] {
  const found: (string | number)[][] = [];
  const walk = (node: unknown, path: (string | number)[]): void => {
    if (isMap(node)) {
      for (const pair of node.items) {
        if (isPair(pair) && isScalar(pair.key)) walk(pair.value, [...path, String(pair.key.value)]);
      }
    } else if (isSeq(node)) {
      for (const [i, item] of node.items.entries()) walk(item, [...path, i]);
    } else if (
      isScalar(node) &&
      typeof node.value === "string" &&
      URL_WITH_PASSWORD.test(node.value)
    ) {
      found.push(path);
    }
  };
  walk(doc.contents, []);
  return found;
}

export const URL_CREDENTIAL_ADVICE =
  "a URL with an embedded password must not be committed; use a deploy key, a credential helper or a token outside the repo";
