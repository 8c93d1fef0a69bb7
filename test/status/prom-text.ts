// A small strict parser of the Prometheus text exposition format (0.0.4), for the tests: every
// line must be a HELP, a TYPE or a well-formed sample of a declared family, or it throws.

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  type: string;
  help: string;
  samples: Sample[];
}

const NAME = "[a-zA-Z_:][a-zA-Z0-9_:]*";
const LABEL = "[a-zA-Z_][a-zA-Z0-9_]*";
const TYPES = new Set(["counter", "gauge", "histogram", "summary", "untyped"]);
const SUFFIXES: Record<string, string[]> = {
  histogram: ["_bucket", "_sum", "_count"],
  summary: ["", "_sum", "_count"],
};

export function parsePrometheusText(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  if (!text.endsWith("\n")) throw new Error("exposition must end with a newline");
  const lines = text.split("\n").slice(0, -1);
  lines.forEach((line, index) => {
    const where = `line ${index + 1}: ${JSON.stringify(line)}`;
    if (line === "") return;
    const meta = new RegExp(`^# (HELP|TYPE) (${NAME}) (.*)$`).exec(line);
    if (meta) {
      const [, keyword, name = "", rest = ""] = meta;
      const family = families.get(name) ?? { name, type: "untyped", help: "", samples: [] };
      if (keyword === "TYPE") {
        if (!TYPES.has(rest)) throw new Error(`${where}: unknown type`);
        if (family.samples.length > 0) throw new Error(`${where}: TYPE after samples`);
        family.type = rest;
      } else family.help = rest.replace(/\\n/g, "\n").replace(/\\\\/g, "\\");
      families.set(name, family);
      return;
    }
    if (line.startsWith("#")) return;
    const sample = parseSample(line, where);
    const family = familyOf(families, sample.name);
    if (!family) throw new Error(`${where}: sample of an undeclared family`);
    family.samples.push(sample);
  });
  return families;
}

function familyOf(families: Map<string, Family>, name: string): Family | undefined {
  const direct = families.get(name);
  if (direct && !SUFFIXES[direct.type]) return direct;
  for (const family of families.values()) {
    for (const suffix of SUFFIXES[family.type] ?? [])
      if (family.name + suffix === name) return family;
  }
  return undefined;
}

function parseSample(line: string, where: string): Sample {
  const head = new RegExp(`^(${NAME})`).exec(line);
  if (!head?.[1]) throw new Error(`${where}: bad metric name`);
  const name = head[1];
  let rest = line.slice(name.length);
  const labels: Record<string, string> = {};
  if (rest.startsWith("{")) {
    rest = rest.slice(1);
    while (!rest.startsWith("}")) {
      const m = new RegExp(`^(${LABEL})="((?:[^"\\\\\\n]|\\\\[\\\\"n])*)"(,?)`).exec(rest);
      if (!m?.[1]) throw new Error(`${where}: bad label`);
      if (m[1] in labels) throw new Error(`${where}: duplicate label ${m[1]}`);
      labels[m[1]] = (m[2] ?? "").replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c));
      rest = rest.slice(m[0].length);
      if (!m[3] && !rest.startsWith("}")) throw new Error(`${where}: expected , or }`);
    }
    rest = rest.slice(1);
  }
  const value = /^ (\S+)( -?\d+)?$/.exec(rest);
  if (!value?.[1]) throw new Error(`${where}: bad value`);
  const v = value[1];
  const number = v === "+Inf" ? Infinity : v === "-Inf" ? -Infinity : v === "NaN" ? NaN : Number(v);
  if (Number.isNaN(number) && v !== "NaN") throw new Error(`${where}: value is not a number`);
  return { name, labels, value: number };
}

/** The value of the one sample with exactly these labels (throws when absent or ambiguous). */
export function sampleValue(
  families: Map<string, Family>,
  name: string,
  labels: Record<string, string> = {},
  sampleName = name,
): number {
  const family = families.get(name);
  if (!family) throw new Error(`no family ${name}`);
  const matches = family.samples.filter(
    (s) =>
      s.name === sampleName &&
      Object.keys(labels).length === Object.keys(s.labels).length &&
      Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
  if (matches.length !== 1)
    throw new Error(`${matches.length} samples of ${sampleName}${JSON.stringify(labels)}`);
  return (matches[0] as Sample).value;
}
