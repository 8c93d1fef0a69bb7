import { describe, expect, it } from "vitest";
import { WorkerNamer, workerName } from "../../scheduler/plan/naming.js";

describe("worker names", () => {
  it("are cs-<cloud>-<vmtype>-<nnnn>", () => {
    expect(workerName("alberta", "demo-vm", 7)).toBe("cs-alberta-demo-vm-0007");
    expect(workerName("alberta", "demo-vm", 12345)).toBe("cs-alberta-demo-vm-12345");
  });

  it("take the lowest free number, skipping every name in use", () => {
    const namer = new WorkerNamer(["cs-alberta-demo-vm-0001", "cs-alberta-demo-vm-0003"]);
    expect(namer.name("alberta", "demo-vm")).toBe("cs-alberta-demo-vm-0002");
    expect(namer.name("alberta", "demo-vm")).toBe("cs-alberta-demo-vm-0004");
    expect(namer.name("victoria", "demo-vm")).toBe("cs-victoria-demo-vm-0001");
  });

  it("stay unique when cloud and VM type names run together", () => {
    const namer = new WorkerNamer([]);
    const a = namer.name("a-b", "c");
    const b = namer.name("a", "b-c");
    expect(a).toBe("cs-a-b-c-0001");
    expect(b).toBe("cs-a-b-c-0002");
  });
});
