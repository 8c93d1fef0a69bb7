import { describe, expect, it } from "vitest";
import { parseAds } from "../../scheduler/condor/ad-stream.js";
import {
  evaluateAttribute,
  evaluateExpression,
  numberOf,
  unwrapExpr,
  type Value,
} from "../../scheduler/condor/expr.js";
import { readFixture } from "./helpers.js";

const DEFAULT_REQUEST_MEMORY =
  "ifthenelse(MemoryUsage isnt undefined,MemoryUsage,(ImageSize + 1023) / 1024)";

function ev(text: string, ad: Record<string, unknown> = {}): Value {
  return evaluateExpression(text, ad);
}

describe("unwrapExpr", () => {
  it("takes the text out of HTCondor's /Expr(...)/ form and leaves other strings alone", () => {
    expect(unwrapExpr("/Expr(DiskUsage)/")).toBe("DiskUsage");
    expect(unwrapExpr("/Expr((a) + (b))/")).toBe("(a) + (b)");
    expect(unwrapExpr("demo-vm")).toBeUndefined();
    expect(unwrapExpr(42)).toBeUndefined();
  });
});

describe("evaluateExpression", () => {
  it("evaluates HTCondor's default RequestMemory against real job ads", () => {
    const [fresh] = parseAds(readFixture("condor_q.all.json"));
    // ImageSize 1 KiB: (1 + 1023) / 1024 = 1 (integer division).
    expect(evaluateAttribute(fresh as Record<string, unknown>, "RequestMemory")).toEqual({
      kind: "int",
      value: 1,
    });
    const [running] = parseAds(readFixture("condor_q.running.json"));
    // MemoryUsage = ((ResidentSetSize + 1023) / 1024), integer division, with the recorded RSS.
    const rss = Number((running as Record<string, unknown>).ResidentSetSize);
    expect(rss).toBeGreaterThan(0);
    expect(evaluateAttribute(running as Record<string, unknown>, "RequestMemory")).toEqual({
      kind: "int",
      value: Math.floor((rss + 1023) / 1024),
    });
    expect(evaluateAttribute(running as Record<string, unknown>, "RequestDisk")).toEqual({
      kind: "int",
      value: 17,
    });
  });

  it("is undefined when the referenced attributes are absent (a projected ad)", () => {
    expect(ev(DEFAULT_REQUEST_MEMORY)).toEqual({ kind: "undefined" });
    expect(ev(DEFAULT_REQUEST_MEMORY, { ImageSize: 4096 })).toEqual({ kind: "int", value: 4 });
    expect(ev(DEFAULT_REQUEST_MEMORY, { MemoryUsage: 300, ImageSize: 4096 })).toEqual({
      kind: "int",
      value: 300,
    });
  });

  it("does integer and real arithmetic with ClassAd precedence", () => {
    expect(ev("1 + 2 * 3")).toEqual({ kind: "int", value: 7 });
    expect(ev("(1 + 2) * 3")).toEqual({ kind: "int", value: 9 });
    expect(ev("7 / 2")).toEqual({ kind: "int", value: 3 });
    expect(ev("-7 / 2")).toEqual({ kind: "int", value: -3 });
    expect(ev("7 / 2.0")).toEqual({ kind: "real", value: 3.5 });
    expect(ev("7 % 3")).toEqual({ kind: "int", value: 1 });
    expect(ev("2 - -3")).toEqual({ kind: "int", value: 5 });
    expect(ev("1.5e3")).toEqual({ kind: "real", value: 1500 });
    expect(ev("1 / 0")).toEqual({ kind: "error" });
    expect(ev('1 + "a"')).toEqual({ kind: "error" });
    expect(ev("1 + undefined")).toEqual({ kind: "undefined" });
    expect(ev("true + 1")).toEqual({ kind: "int", value: 2 });
  });

  it("resolves attributes case-insensitively, with MY. and without TARGET.", () => {
    const ad = { RequestCpus: 4, VMMem: 8192 };
    expect(ev("requestcpus * 1024", ad)).toEqual({ kind: "int", value: 4096 });
    expect(ev("MY.VMMem", ad)).toEqual({ kind: "int", value: 8192 });
    expect(ev("my.vmmem / 2", ad)).toEqual({ kind: "int", value: 4096 });
    expect(ev("TARGET.Memory", { Memory: 10 })).toEqual({ kind: "undefined" });
    expect(ev("Nope")).toEqual({ kind: "undefined" });
  });

  it("follows attributes that are expressions themselves, and stops at cycles", () => {
    expect(ev("A", { A: "/Expr(B * 2)/", B: "/Expr(C + 1)/", C: 20 })).toEqual({
      kind: "int",
      value: 42,
    });
    expect(ev("A", { A: "/Expr(B)/", B: "/Expr(A)/" })).toEqual({ kind: "error" });
    expect(ev("A + 1", { A: "/Expr(A + 1)/" })).toEqual({ kind: "error" });
  });

  it("compares strings case-insensitively with == and exactly with is / =?=", () => {
    expect(ev('"Demo" == "demo"')).toEqual({ kind: "bool", value: true });
    expect(ev('"Demo" is "demo"')).toEqual({ kind: "bool", value: false });
    expect(ev('"demo" =?= "demo"')).toEqual({ kind: "bool", value: true });
    expect(ev('"demo" =!= "demo"')).toEqual({ kind: "bool", value: false });
    expect(ev("X == 1")).toEqual({ kind: "undefined" });
    expect(ev("X is undefined")).toEqual({ kind: "bool", value: true });
    expect(ev("X isnt undefined")).toEqual({ kind: "bool", value: false });
    expect(ev("1 is 1.0")).toEqual({ kind: "bool", value: false });
    expect(ev('1 < "a"')).toEqual({ kind: "error" });
    expect(ev("3 >= 3 && 2 < 3 && 4 > 3 && 3 <= 3 && 1 != 2")).toEqual({
      kind: "bool",
      value: true,
    });
  });

  it("uses ClassAd three-valued logic for && and ||", () => {
    expect(ev("false && X")).toEqual({ kind: "bool", value: false });
    expect(ev("X && false")).toEqual({ kind: "bool", value: false });
    expect(ev("X && true")).toEqual({ kind: "undefined" });
    expect(ev("true || X")).toEqual({ kind: "bool", value: true });
    expect(ev("X || true")).toEqual({ kind: "bool", value: true });
    expect(ev("X || false")).toEqual({ kind: "undefined" });
    expect(ev('"s" && true')).toEqual({ kind: "error" });
    expect(ev("!true")).toEqual({ kind: "bool", value: false });
    expect(ev("!X")).toEqual({ kind: "undefined" });
  });

  it("evaluates ?: and ifThenElse lazily", () => {
    expect(ev("X =?= undefined ? 2048 : X", {})).toEqual({ kind: "int", value: 2048 });
    expect(ev("IfThenElse(true, 1, 1/0)")).toEqual({ kind: "int", value: 1 });
    expect(ev("ifthenelse(0, 1/0, 2)")).toEqual({ kind: "int", value: 2 });
    expect(ev("ifthenelse(X, 1, 2)")).toEqual({ kind: "undefined" });
    expect(ev('ifthenelse("s", 1, 2)')).toEqual({ kind: "error" });
    expect(ev("ifthenelse(true, 1)")).toEqual({ kind: "error" });
  });

  it("implements the supported functions as HTCondor documents them", () => {
    expect(ev("isUndefined(X)")).toEqual({ kind: "bool", value: true });
    expect(ev("isUndefined(1)")).toEqual({ kind: "bool", value: false });
    expect(ev("int(3.9)")).toEqual({ kind: "int", value: 3 });
    expect(ev("int(-3.9)")).toEqual({ kind: "int", value: -3 });
    expect(ev('int("42abc")')).toEqual({ kind: "int", value: 42 });
    expect(ev("int(X)")).toEqual({ kind: "error" });
    expect(ev("real(3)")).toEqual({ kind: "real", value: 3 });
    expect(ev("ceiling(2.1)")).toEqual({ kind: "int", value: 3 });
    expect(ev("floor(2.9)")).toEqual({ kind: "int", value: 2 });
    expect(ev("round(2.5)")).toEqual({ kind: "int", value: 2 });
    expect(ev("round(3.5)")).toEqual({ kind: "int", value: 4 });
    expect(ev("min({3, 1.5, undefined, 2})")).toEqual({ kind: "real", value: 1.5 });
    expect(ev("max({3, 1, 2})")).toEqual({ kind: "int", value: 3 });
    expect(ev("max({})")).toEqual({ kind: "undefined" });
    expect(ev('max({1, "a"})')).toEqual({ kind: "error" });
    // The examples of the HTCondor manual.
    expect(ev("quantize(3, 8)")).toEqual({ kind: "int", value: 8 });
    expect(ev("quantize(3, 2)")).toEqual({ kind: "int", value: 4 });
    expect(ev("quantize(0, 4)")).toEqual({ kind: "int", value: 0 });
    expect(numberOf(ev("quantize(1.5, 6.8)"))).toBeCloseTo(6.8);
    expect(numberOf(ev("quantize(6.8, 1.2)"))).toBeCloseTo(7.2);
    expect(numberOf(ev("quantize(10, 5.1)"))).toBeCloseTo(10.2);
    expect(ev("quantize(0, {4})")).toEqual({ kind: "int", value: 4 });
    expect(ev('quantize(2, {1, 2, "A"})')).toEqual({ kind: "int", value: 2 });
    expect(ev("quantize(3, {1, 2, 0.5})")).toEqual({ kind: "real", value: 3 });
    expect(ev("quantize(2.7, {1, 2, 0.5})")).toEqual({ kind: "real", value: 3 });
    expect(ev('quantize(3, {1, 2, "A"})')).toEqual({ kind: "error" });
    expect(ev("quantize(RequestMemory, 1024)", { RequestMemory: 1500 })).toEqual({
      kind: "int",
      value: 2048,
    });
  });

  it("never runs anything: unknown functions are errors, other syntax is undefined", () => {
    expect(ev('eval("1+1")')).toEqual({ kind: "error" });
    expect(ev('system("touch /tmp/pwned")')).toEqual({ kind: "error" });
    expect(ev("1 +")).toEqual({ kind: "undefined" });
    expect(ev("a[0]")).toEqual({ kind: "undefined" });
    expect(ev("1 & 2")).toEqual({ kind: "undefined" });
    expect(ev('"unterminated')).toEqual({ kind: "undefined" });
    expect(ev(`${"(".repeat(500)}1${")".repeat(500)}`)).toEqual({ kind: "undefined" });
    expect(ev(`${"1+".repeat(10_000)}1`)).toEqual({ kind: "undefined" });
    expect(ev("(((1)))")).toEqual({ kind: "int", value: 1 });
  });

  it("reads string escapes", () => {
    expect(ev('"a\\"b\\\\c\\n"')).toEqual({ kind: "string", value: 'a"b\\c\n' });
  });
});
