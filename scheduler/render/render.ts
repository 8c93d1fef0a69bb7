// The one handlebars instance every template goes through: no HTML escaping (we write
// YAML, shell and HTCondor files, not HTML), strict lookups (a missing variable is an
// error, never an empty string), and quoting helpers for each target syntax.
import { readdirSync, readFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import Handlebars from "handlebars";
import { assetUrl } from "../assets.js";
import { RenderError } from "./errors.js";
import {
  cidrWord,
  condorConfigString,
  condorSubmitArgument,
  condorSubmitString,
  condorSubmitWord,
  hostWord,
  shellWord,
  yamlString,
} from "./quote.js";

/** templates/ at the repository root. */
export const TEMPLATES_DIR = fileURLToPath(assetUrl("templates/"));

export interface Renderer {
  /** Renders templates/<name>.hbs (name without extension, "/" separated). */
  render(name: string, data: object): string;
  /** The template names found, sorted. */
  names(): string[];
}

/** Loads every *.hbs under `dir` (each also usable as a partial) into a fresh instance. */
export function createRenderer(dir: string = TEMPLATES_DIR): Renderer {
  const hbs = Handlebars.create();
  const sources = new Map<string, string>();
  for (const file of listTemplates(dir)) {
    const name = relative(dir, file)
      .split(sep)
      .join("/")
      .replace(/\.hbs$/, "");
    sources.set(name, readFileSync(file, "utf8"));
  }
  const compiled = new Map<string, HandlebarsTemplateDelegate>();
  const compile = (name: string): HandlebarsTemplateDelegate => {
    const known = compiled.get(name);
    if (known) return known;
    const source = sources.get(name);
    if (source === undefined) throw new RenderError(name, `no template ${name}.hbs in ${dir}`);
    const template = hbs.compile(source, { noEscape: true, strict: true });
    compiled.set(name, template);
    return template;
  };

  registerQuoting(hbs);
  // `{{yaml (include "worker/condor.conf" this)}}`: render another template to a string so
  // the caller quotes the whole file for its own syntax.
  hbs.registerHelper("include", (name: unknown, context: unknown) => {
    if (typeof name !== "string") throw new Error("include needs a template name");
    return renderWith(name, compile(name), context);
  });

  return {
    render: (name, data) => renderWith(name, compile(name), data),
    names: () => [...sources.keys()].sort(),
  };
}

function renderWith(name: string, template: HandlebarsTemplateDelegate, data: unknown): string {
  try {
    return template(data);
  } catch (err) {
    if (err instanceof RenderError) throw err;
    throw new RenderError(name, err instanceof Error ? err.message : String(err), { cause: err });
  }
}

function registerQuoting(hbs: typeof Handlebars): void {
  const quoting: Record<string, (value: string) => string> = {
    yaml: yamlString,
    shell: shellWord,
    condor: condorConfigString,
    submit: condorSubmitString,
    submitWord: condorSubmitWord,
    submitArg: condorSubmitArgument,
    host: hostWord,
    cidr: cidrWord,
  };
  for (const [helper, quote] of Object.entries(quoting)) {
    hbs.registerHelper(helper, (value: unknown) => quote(scalarText(helper, value)));
  }
}

/** Only strings and numbers are quoted; anything else is a template bug, never "[object Object]". */
function scalarText(helper: string, value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  throw new Error(`helper ${helper} expects a string or number, got ${describe(value)}`);
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  return typeof value;
}

function listTemplates(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...listTemplates(path));
    else if (entry.name.endsWith(".hbs")) found.push(path);
  }
  return found;
}
