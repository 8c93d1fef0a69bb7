import { describe, expect, it } from "vitest";
import { formatDecision, quote } from "../../scheduler/plan/reasons.js";

describe("quote", () => {
  it("JSON-quotes untrusted text and escapes everything outside printable ASCII", () => {
    expect(quote("demo-vm")).toBe('"demo-vm"');
    expect(quote('a"b\nc\u0007d')).toBe('"a\\"b\\nc\\u0007d"');
    expect(quote("evil\u202etxt.exe\u2028")).toBe('"evil\\u202etxt.exe\\u2028"');
    expect(quote("ü😀")).toBe('"\\u00fc\\ud83d\\ude00"');
  });

  it("cuts long text and says how long it was", () => {
    const quoted = quote("x".repeat(1000));
    expect(quoted).toBe(`"${"x".repeat(60)}"... (1000 characters)`);
  });
});

describe("formatDecision", () => {
  it("reads as one line with the cloud, the reason, the workers and the kind", () => {
    expect(
      formatDecision({
        kind: "boot",
        cloud: "alberta",
        workers: ["cs-alberta-demo-vm-0001"],
        reason: "boot 1 demo-vm for 2 idle jobs",
      }),
    ).toBe("alberta: boot 1 demo-vm for 2 idle jobs (cs-alberta-demo-vm-0001) [boot]");
  });
});
