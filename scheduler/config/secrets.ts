// Credentials never belong in the committed config: find keys that would hold one.
import { type Document, isMap, isPair, isScalar, isSeq } from "yaml";

const SECRET_KEY =
  /^(password|passwd|secret|token|passphrase|application_credential_secret|.*_(password|secret|token|passphrase))$/i;

/** Key paths (as arrays) of every key that names a credential, anywhere in the document. */
export function findSecretKeys(doc: Document): (string | number)[][] {
  const found: (string | number)[][] = [];
  const walk = (node: unknown, path: (string | number)[]): void => {
    if (isMap(node)) {
      for (const pair of node.items) {
        if (!isPair(pair) || !isScalar(pair.key)) continue;
        const key = String(pair.key.value);
        if (SECRET_KEY.test(key)) found.push([...path, key]);
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
