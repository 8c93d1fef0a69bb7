import { describe, expect, it } from "vitest";
import { closest, editDistance } from "../../scheduler/config/suggest.js";

describe("closest", () => {
  const keys = ["name", "protocol", "port", "cidrs", "weight", "quota"];
  it("suggests for a typo, a swap of two letters and a case slip", () => {
    expect(closest("wieght", keys)).toBe("weight");
    expect(closest("nmae", keys)).toBe("name");
    expect(closest("Quota", keys)).toBe("quota");
    expect(closest("cidr", keys)).toBe("cidrs");
  });
  it("suggests nothing when no key is close", () => {
    expect(closest("colour", keys)).toBeUndefined();
    expect(closest("x", [])).toBeUndefined();
  });
  it("counts edits", () => {
    expect(editDistance("kitten", "sitting")).toBe(3);
    expect(editDistance("ab", "ba")).toBe(1);
    expect(editDistance("", "abc")).toBe(3);
  });
});
