// The demo jobs of the classic CloudScheduler test drive, rendered for this site:
// demo-1 (pi to 1000 places), demo-2 (the CVMFS Hello), demo-3 (a Goodbye app). The
// payload scripts they transfer (pi.sh, goodbye.sh) sit beside the templates in
// templates/demo/ and are copied as they are.
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Renderer, TEMPLATES_DIR } from "./render.js";

export interface DemoJobsInput {
  /** VM type the jobs ask for with +VMType. */
  vmType: string;
  /** CVMFS repository holding /cvmfs/<repository>/hello. */
  repository: string;
  /** Whom demo-3 says goodbye to. */
  who: string;
}

export const DEMO_PAYLOADS = ["pi.sh", "goodbye.sh"] as const;

/** Submit-file text by file name. */
export function renderDemoJobs(renderer: Renderer, input: DemoJobsInput): Record<string, string> {
  const data = { ...input, helloPath: `/cvmfs/${input.repository}/hello` };
  return {
    "demo-1.job": renderer.render("demo/demo-1.job", data),
    "demo-2.job": renderer.render("demo/demo-2.job", data),
    "demo-3.job": renderer.render("demo/demo-3.job", data),
  };
}

/** Writes the rendered jobs and their payload scripts into `dir`. */
export function writeDemoJobs(renderer: Renderer, input: DemoJobsInput, dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  for (const [file, text] of Object.entries(renderDemoJobs(renderer, input))) {
    writeFileSync(join(dir, file), text);
    written.push(file);
  }
  for (const payload of DEMO_PAYLOADS) {
    copyFileSync(join(TEMPLATES_DIR, "demo", payload), join(dir, payload));
    written.push(payload);
  }
  return written;
}
