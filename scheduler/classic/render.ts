// Renders the import's three files as commented YAML. Placeholders get a comment that
// says what to put there; secure.yaml is the only text that holds a secret value.
import { Document, isMap, isNode, isPair, isScalar, isSeq, type Node } from "yaml";
import type { ClassicImport } from "./convert.js";

export interface RenderedImport {
  "cloudscheduler.yaml": string;
  "clouds.yaml": string;
  "secure.yaml": string;
}

export function renderImport(result: ClassicImport, sourceFiles: string[]): RenderedImport {
  const from = sourceFiles.join(" and ");
  const config = new Document(result.config);
  config.commentBefore = [
    ` cloudscheduler.yaml - converted by 'cloudscheduler import-classic' from ${from}.`,
    " Review every line marked PLACEHOLDER, then run 'cloudscheduler validate'.",
    " Credentials are not here: see clouds.yaml and secure.yaml (both git-ignored).",
  ].join("\n");
  for (const { path, hint } of result.placeholders) {
    const node = keyNodeAt(config, path);
    if (node) node.commentBefore = ` PLACEHOLDER: ${hint}`;
  }

  const clouds = new Document({ clouds: result.cloudsYaml });
  clouds.commentBefore = [
    ` OpenStack clouds.yaml - converted from ${from}. Connection details only;`,
    " the passwords are in secure.yaml. Keep both out of git (.gitignore lists them).",
  ].join("\n");

  const secureData: Record<string, { auth: Record<string, string> }> = {};
  for (const [name, entry] of Object.entries(result.secureYaml)) {
    secureData[name] = {
      auth: Object.fromEntries(Object.entries(entry.auth).map(([k, v]) => [k, v.reveal()])),
    };
  }
  const secure = new Document({ clouds: secureData });
  secure.commentBefore = [
    " OpenStack secure.yaml - secrets for the clouds.yaml entries of the same name.",
    " Never commit this file. Prefer application credentials to passwords:",
    "   auth_type: v3applicationcredential, auth: {application_credential_id, application_credential_secret}",
  ].join("\n");

  return {
    "cloudscheduler.yaml": config.toString({ lineWidth: 100 }),
    "clouds.yaml": clouds.toString({ lineWidth: 100 }),
    "secure.yaml": secure.toString({ lineWidth: 100 }),
  };
}

/** The key node of the map entry at `path`, where a comment line reads best. */
function keyNodeAt(doc: Document, path: readonly (string | number)[]): Node | undefined {
  let node: unknown = doc.contents;
  let key: unknown;
  for (const part of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === part);
      key = pair?.key;
      node = pair?.value;
    } else if (isSeq(node) && typeof part === "number") {
      key = node.items[part];
      node = key;
    } else {
      return undefined;
    }
  }
  return isNode(key) ? key : undefined;
}
