import { describe, expect, it } from "vitest";
import { IniSyntaxError, parseIni } from "../../scheduler/classic/ini.js";

describe("parseIni (ConfigParser-compatible)", () => {
  it("reads ':' and '=' separators, comments, case-insensitive keys and line numbers", () => {
    const file = parseIni(
      "# comment\n[uvic]\ncloud_type: OpenStackNative\n; another\nVM_Slots = 10 ; inline\n\n[job]\ndefault_VMAMI: img\n",
      "cloud_resources.conf",
    );
    expect(file.sections.map((s) => [s.name, s.line])).toEqual([
      ["uvic", 2],
      ["job", 7],
    ]);
    const uvic = file.sections[0]?.options;
    expect(uvic?.get("cloud_type")).toEqual({
      key: "cloud_type",
      value: "OpenStackNative",
      line: 3,
    });
    expect(uvic?.get("vm_slots")).toEqual({ key: "VM_Slots", value: "10", line: 5 });
    expect(file.sections[1]?.options.get("default_vmami")?.value).toBe("img");
  });

  it("joins indented continuation lines and keeps values with ':' intact", () => {
    const file = parseIni("[g]\nlog_format: %(asctime)s - %(message)s\nlist: a,\n  b\n", "x.conf");
    expect(file.sections[0]?.options.get("log_format")?.value).toBe("%(asctime)s - %(message)s");
    expect(file.sections[0]?.options.get("list")?.value).toBe("a,\nb");
  });

  it("rejects options before any section and lines that are not options, naming the line", () => {
    expect(() => parseIni("key: v\n", "a.conf")).toThrow(
      new IniSyntaxError("a.conf", 1, "option before the first [section]"),
    );
    expect(() => parseIni("[s]\njust words\n", "a.conf")).toThrow(
      "a.conf:2: expected 'key: value' or '[section]'",
    );
  });
});
