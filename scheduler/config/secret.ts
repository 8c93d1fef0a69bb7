// A credential value that cannot leak by accident: logging, JSON and string
// interpolation all print "[redacted]"; only reveal() gives the value. Every Secret tells the
// process's secret registry its value, so the scrubber removes it wherever it turns up anyway
// (a tool's stderr, a provider's error).
import { inspect } from "node:util";
import { knownSecrets } from "../secrets/registry.js";

const REDACTED = "[redacted]";

export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
    knownSecrets.add(value);
  }

  /** The real value, for the one place that must hand it to a cloud API. */
  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return REDACTED;
  }
}
