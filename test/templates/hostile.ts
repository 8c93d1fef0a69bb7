// Hostile strings for the injection tests: each tries to break out of the syntax it lands
// in (YAML, shell, HTCondor config, submit file, handlebars).
import { readFileSync } from "node:fs";

/** The hostile +VMType of the real submit file hostile.sub, as condor_q reports it. */
function hostileSubmitValue(): string {
  const sub = readFileSync(new URL("../fixtures/templates/hostile.sub", import.meta.url), "utf8");
  const line = sub.split("\n").find((l) => l.startsWith("+VMType"));
  const quoted = line?.slice(line.indexOf('"') + 1, line.lastIndexOf('"')) ?? "";
  // As the job ad holds it: \" is a quote, \n stays backslash-n, $(DOLLAR) became "$".
  return quoted.replaceAll('\\"', '"').replaceAll("$(DOLLAR)", "$");
}

export const HOSTILE: readonly string[] = [
  `a"b'c`,
  "line1\nline2",
  "$(rm -rf /)",
  "`reboot`",
  "{{evil}}",
  '"\ninjected: true',
  "'\ninjected: true\n'",
  "&anchor *alias",
  "<<: *alias",
  "key: value\n- item",
  "#cloud-config\nruncmd: [reboot]",
  "x\u2028y\u0085z\r\n",
  '\\"; touch /tmp/pwned; echo \\"',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell expansion is the point
  "\tTAB ${HOME} %s %n",
  'VMType = "evil"\nSTART = True',
  hostileSubmitValue(),
];
