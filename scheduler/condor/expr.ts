// A small, safe evaluator for the ClassAd expressions HTCondor prints as "/Expr(<text>)/",
// e.g. the default RequestMemory
//   ifthenelse(MemoryUsage isnt undefined,MemoryUsage,(ImageSize + 1023) / 1024)
// evaluated against the job's own ad (no match partner: TARGET.x is undefined, as in
// HTCondor's single-ad evaluation). Follows the ClassAd semantics that matter for requests:
// integer division truncates, strict UNDEFINED/ERROR propagation, non-strict && / || / ?:,
// case-insensitive == on strings, `is`/`isnt` never undefined. Unsupported syntax or functions
// evaluate to undefined (parse) or error (unknown function): the caller applies its default.
import type { AdLayout } from "./ad-layout.js";
import { type BinaryOp, type Node, parseExpression } from "./expr-syntax.js";

export type Value =
  | { kind: "int"; value: number }
  | { kind: "real"; value: number }
  | { kind: "bool"; value: boolean }
  | { kind: "string"; value: string }
  | { kind: "list"; items: Value[] }
  | { kind: "undefined" }
  | { kind: "error" };

const UNDEFINED: Value = { kind: "undefined" };
const ERROR: Value = { kind: "error" };

/** How deep attribute references may chain through other expressions (cycles end here too). */
const MAX_REFERENCE_DEPTH = 16;

const EXPR_PREFIX = "/Expr(";
const EXPR_SUFFIX = ")/";

/** Is this HTCondor's JSON form of an expression, "/Expr(<text>)/"? (No copy made.) */
export function isExpr(value: unknown): value is string {
  return typeof value === "string" && value.startsWith(EXPR_PREFIX) && value.endsWith(EXPR_SUFFIX);
}

/** The expression text inside HTCondor's JSON form "/Expr(<text>)/", or undefined. */
export function unwrapExpr(value: unknown): string | undefined {
  if (!isExpr(value)) return undefined;
  return value.slice(EXPR_PREFIX.length, value.length - EXPR_SUFFIX.length);
}

// The same few expressions repeat on every job (HTCondor's defaults): parse each once, and note
// the attributes it reads, so an ad that has none of them gets the value computed once.
const PARSE_CACHE_LIMIT = 1024;

interface Compiled {
  node: Node | undefined;
  /** Attributes of the ad itself (unscoped or MY.) that the expression reads. */
  references: string[];
  /** Its value when none of `references` is set (computed on first use). */
  alone?: Value;
}

const parseCache = new Map<string, Compiled>();

function compiled(text: string): Compiled {
  let entry = parseCache.get(text);
  if (entry === undefined) {
    const node = parseExpression(text);
    entry = { node, references: node === undefined ? [] : ownReferences(node) };
    if (parseCache.size >= PARSE_CACHE_LIMIT) parseCache.clear();
    parseCache.set(text, entry);
  }
  return entry;
}

// Every job ad carries its own copy of the same few "/Expr(...)/" strings: comparing with the
// last few seen is cheaper than hashing each copy for the cache.
const RECENT = 4;
const recentWrapped: string[] = [];
const recentCompiled: Compiled[] = [];

function compiledWrapped(wrapped: string): Compiled {
  for (let i = 0; i < recentWrapped.length; i++) {
    if (recentWrapped[i] === wrapped) return recentCompiled[i] as Compiled;
  }
  const entry = compiled(wrapped.slice(EXPR_PREFIX.length, wrapped.length - EXPR_SUFFIX.length));
  recentWrapped.unshift(wrapped);
  recentCompiled.unshift(entry);
  if (recentWrapped.length > RECENT) {
    recentWrapped.pop();
    recentCompiled.pop();
  }
  return entry;
}

function ownReferences(node: Node, into: string[] = []): string[] {
  switch (node.type) {
    case "attr":
      if (node.scope === "" || node.scope === "my") into.push(node.name);
      break;
    case "list":
      for (const item of node.items) ownReferences(item, into);
      break;
    case "call":
      for (const arg of node.args) ownReferences(arg, into);
      break;
    case "unary":
      ownReferences(node.operand, into);
      break;
    case "binary":
      ownReferences(node.left, into);
      ownReferences(node.right, into);
      break;
    case "cond":
      ownReferences(node.test, into);
      ownReferences(node.then, into);
      ownReferences(node.else, into);
      break;
  }
  return into;
}

/** One ad, for evaluation: case-insensitive attribute lookup (index built on first miss). */
export class AdScope {
  private lower: Map<string, unknown> | undefined;
  private evaluating: Set<string> | undefined;

  private ad: Readonly<Record<string, unknown>>;
  private layout: AdLayout | undefined;

  /** `layout`, when the caller knows it, resolves names once per layout instead of per ad. */
  constructor(ad: Readonly<Record<string, unknown>>, layout?: AdLayout) {
    this.ad = ad;
    this.layout = layout;
  }

  /** Evaluates against another ad from now on (one scope serves a whole answer). */
  reset(ad: Readonly<Record<string, unknown>>, layout?: AdLayout): void {
    this.ad = ad;
    this.layout = layout;
    this.lower = undefined;
    this.evaluating?.clear();
  }

  lookup(name: string): unknown {
    if (this.layout !== undefined) {
      const key = this.layout.key(name);
      return key === undefined ? undefined : this.ad[key];
    }
    if (Object.hasOwn(this.ad, name)) return this.ad[name];
    if (this.lower === undefined) {
      this.lower = new Map();
      for (const [key, value] of Object.entries(this.ad)) this.lower.set(key.toLowerCase(), value);
    }
    return this.lower.get(name.toLowerCase());
  }

  /** Evaluates attribute `name` of this ad; an expression attribute is evaluated in turn. */
  attribute(name: string, depth = 0): Value {
    if (depth > MAX_REFERENCE_DEPTH) return ERROR;
    const raw = this.lookup(name);
    // Only an expression can be under evaluation, so a plain value needs no cycle check.
    if (!isExpr(raw)) return fromJson(raw);
    if (this.evaluating?.has(name.toLowerCase())) return ERROR;
    const entry = compiledWrapped(raw);
    if (entry.node === undefined) return UNDEFINED;
    if (this.alone(entry, depth + 1)) return this.aloneValue(entry, depth + 1);
    const key = name.toLowerCase();
    this.evaluating ??= new Set();
    this.evaluating.add(key);
    try {
      return evaluate(entry.node, this, depth + 1);
    } finally {
      this.evaluating.delete(key);
    }
  }

  expression(text: string, depth = 0): Value {
    const entry = compiled(text);
    if (entry.node === undefined) return UNDEFINED;
    if (this.alone(entry, depth)) return this.aloneValue(entry, depth);
    return evaluate(entry.node, this, depth);
  }

  /**
   * Does the expression read only attributes this ad does not set? Below the reference limit an
   * unset attribute reads as undefined whatever the depth, so its value is then the same for
   * every ad (computed once, in `alone`), and it cannot recurse.
   */
  private alone(entry: Compiled, depth: number): boolean {
    return depth <= MAX_REFERENCE_DEPTH && this.setsNoneOf(entry.references);
  }

  private aloneValue(entry: Compiled, depth: number): Value {
    if (entry.alone === undefined && entry.node !== undefined)
      entry.alone = evaluate(entry.node, this, depth);
    return entry.alone ?? UNDEFINED;
  }

  private setsNoneOf(names: readonly string[]): boolean {
    if (this.layout !== undefined) return this.layout.setsNoneOf(names);
    for (const name of names) {
      const raw = this.lookup(name);
      if (raw !== undefined && raw !== null) return false;
    }
    return true;
  }
}

/** A JSON value from an ad as a ClassAd value (integral numbers are integers). */
function fromJson(raw: unknown): Value {
  if (raw === undefined || raw === null) return UNDEFINED;
  if (typeof raw === "number") {
    if (!Number.isFinite(raw)) return ERROR;
    return Number.isInteger(raw) ? { kind: "int", value: raw } : { kind: "real", value: raw };
  }
  if (typeof raw === "boolean") return { kind: "bool", value: raw };
  if (typeof raw === "string") return { kind: "string", value: raw };
  if (Array.isArray(raw)) return { kind: "list", items: raw.map(fromJson) };
  return ERROR;
}

/** Evaluates expression text against an ad. */
export function evaluateExpression(text: string, ad: Readonly<Record<string, unknown>>): Value {
  return new AdScope(ad).expression(text, 0);
}

/** Evaluates attribute `name` of an ad: a plain value as is, an "/Expr(...)/" evaluated. */
export function evaluateAttribute(ad: Readonly<Record<string, unknown>>, name: string): Value {
  return new AdScope(ad).attribute(name, 0);
}

/** A number from a value (booleans are not numbers here), else undefined. */
export function numberOf(value: Value): number | undefined {
  return value.kind === "int" || value.kind === "real" ? value.value : undefined;
}

type Numeric = { kind: "int" | "real"; value: number };

/** Arithmetic operand: numbers as is, booleans as 0/1 (HTCondor's old-ClassAd compatibility). */
function numeric(value: Value): Numeric | undefined {
  if (value.kind === "int" || value.kind === "real") return value;
  if (value.kind === "bool") return { kind: "int", value: value.value ? 1 : 0 };
  return undefined;
}

/** Truth of a value in && / || / ?: : booleans, and numbers (non-zero is true). */
function truth(value: Value): boolean | "undefined" | "error" {
  if (value.kind === "bool") return value.value;
  if (value.kind === "int" || value.kind === "real") return value.value !== 0;
  if (value.kind === "undefined") return "undefined";
  return "error";
}

function evaluate(node: Node, scope: AdScope, depth: number): Value {
  switch (node.type) {
    case "int":
    case "real":
      return { kind: node.type, value: node.value };
    case "string":
      return { kind: "string", value: node.value };
    case "bool":
      return { kind: "bool", value: node.value };
    case "undefined":
      return UNDEFINED;
    case "error":
      return ERROR;
    case "list":
      return { kind: "list", items: node.items.map((item) => evaluate(item, scope, depth)) };
    case "attr":
      // MY. is the ad itself; TARGET. (and any other scope) has no ad here.
      return node.scope === "" || node.scope === "my"
        ? scope.attribute(node.name, depth)
        : UNDEFINED;
    case "unary":
      return unary(node.op, evaluate(node.operand, scope, depth));
    case "binary":
      if (node.op === "&&" || node.op === "||") return logical(node, scope, depth);
      return binary(node.op, evaluate(node.left, scope, depth), evaluate(node.right, scope, depth));
    case "cond":
      return conditional(node.test, node.then, node.else, scope, depth);
    case "call":
      return call(node.name, node.args, scope, depth);
  }
}

function unary(op: "-" | "+" | "!", operand: Value): Value {
  if (operand.kind === "undefined" || operand.kind === "error") return operand;
  if (op === "!") {
    const t = truth(operand);
    return typeof t === "boolean" ? { kind: "bool", value: !t } : ERROR;
  }
  const n = numeric(operand);
  if (n === undefined) return ERROR;
  return op === "-" ? { kind: n.kind, value: -n.value } : n;
}

function logical(node: Extract<Node, { type: "binary" }>, scope: AdScope, depth: number): Value {
  const isAnd = node.op === "&&";
  const left = truth(evaluate(node.left, scope, depth));
  if (left === "error") return ERROR;
  // false && x is false, true || x is true, whatever x is.
  if (left === !isAnd) return { kind: "bool", value: left };
  const right = truth(evaluate(node.right, scope, depth));
  if (right === "error") return ERROR;
  if (left === "undefined") {
    return right === !isAnd ? { kind: "bool", value: right } : UNDEFINED;
  }
  return right === "undefined" ? UNDEFINED : { kind: "bool", value: right };
}

function conditional(
  test: Node,
  then: Node,
  otherwise: Node,
  scope: AdScope,
  depth: number,
): Value {
  const t = truth(evaluate(test, scope, depth));
  if (t === "undefined") return UNDEFINED;
  if (t === "error") return ERROR;
  return evaluate(t ? then : otherwise, scope, depth);
}

function binary(op: Exclude<BinaryOp, "&&" | "||">, left: Value, right: Value): Value {
  if (op === "is" || op === "isnt") {
    const same = identical(left, right);
    return { kind: "bool", value: op === "is" ? same : !same };
  }
  if (left.kind === "error" || right.kind === "error") return ERROR;
  if (left.kind === "undefined" || right.kind === "undefined") return UNDEFINED;
  switch (op) {
    case "+":
    case "-":
    case "*":
    case "/":
    case "%":
      return arithmetic(op, left, right);
    default:
      return compare(op, left, right);
  }
}

function arithmetic(op: "+" | "-" | "*" | "/" | "%", left: Value, right: Value): Value {
  const a = numeric(left);
  const b = numeric(right);
  if (a === undefined || b === undefined) return ERROR;
  const kind = a.kind === "real" || b.kind === "real" ? "real" : "int";
  switch (op) {
    case "+":
      return { kind, value: a.value + b.value };
    case "-":
      return { kind, value: a.value - b.value };
    case "*":
      return { kind, value: a.value * b.value };
    case "/":
      if (b.value === 0) return ERROR;
      return { kind, value: kind === "int" ? Math.trunc(a.value / b.value) : a.value / b.value };
    case "%":
      if (kind !== "int" || b.value === 0) return ERROR;
      return { kind, value: a.value % b.value };
  }
}

function compare(op: "<" | "<=" | ">" | ">=" | "==" | "!=", left: Value, right: Value): Value {
  let order: number;
  if (left.kind === "string" && right.kind === "string") {
    // ClassAd string comparison with == and < is case-insensitive.
    const a = left.value.toLowerCase();
    const b = right.value.toLowerCase();
    order = a < b ? -1 : a > b ? 1 : 0;
  } else {
    const a = numeric(left);
    const b = numeric(right);
    if (a === undefined || b === undefined) return ERROR;
    order = a.value < b.value ? -1 : a.value > b.value ? 1 : 0;
  }
  const results = {
    "<": order < 0,
    "<=": order <= 0,
    ">": order > 0,
    ">=": order >= 0,
    "==": order === 0,
    "!=": order !== 0,
  };
  return { kind: "bool", value: results[op] };
}

/** =?= : same type and same value (strings case-sensitive); never undefined. */
function identical(left: Value, right: Value): boolean {
  if (left.kind !== right.kind) return false;
  switch (left.kind) {
    case "undefined":
    case "error":
      return true;
    case "list": {
      const items = (right as typeof left).items;
      return (
        left.items.length === items.length &&
        left.items.every((item, i) => identical(item, items[i] as Value))
      );
    }
    default:
      return left.value === (right as typeof left).value;
  }
}

function call(name: string, args: Node[], scope: AdScope, depth: number): Value {
  const arg = (i: number): Value => evaluate(args[i] as Node, scope, depth);
  switch (name) {
    case "ifthenelse":
      if (args.length !== 3) return ERROR;
      return conditional(args[0] as Node, args[1] as Node, args[2] as Node, scope, depth);
    case "isundefined":
      return args.length === 1 ? { kind: "bool", value: arg(0).kind === "undefined" } : ERROR;
    case "iserror":
      return args.length === 1 ? { kind: "bool", value: arg(0).kind === "error" } : ERROR;
    case "int":
      return args.length === 1 ? toInt(arg(0)) : ERROR;
    case "real":
      return args.length === 1 ? toReal(arg(0)) : ERROR;
    case "floor":
    case "ceiling":
    case "round":
      return args.length === 1 ? rounded(name, arg(0)) : ERROR;
    case "min":
    case "max":
      return args.length === 1 ? extreme(name, arg(0)) : ERROR;
    case "quantize":
      return args.length === 2 ? quantize(arg(0), arg(1)) : ERROR;
    default:
      return ERROR;
  }
}

function toInt(value: Value): Value {
  switch (value.kind) {
    case "int":
      return value;
    case "real":
      return { kind: "int", value: Math.trunc(value.value) };
    case "bool":
      return { kind: "int", value: value.value ? 1 : 0 };
    case "string": {
      const match = /^\s*[+-]?\d+/.exec(value.value);
      return match ? { kind: "int", value: Number.parseInt(match[0], 10) } : ERROR;
    }
    default:
      return ERROR;
  }
}

function toReal(value: Value): Value {
  switch (value.kind) {
    case "int":
    case "real":
      return { kind: "real", value: value.value };
    case "bool":
      return { kind: "real", value: value.value ? 1 : 0 };
    case "string": {
      const parsed = Number.parseFloat(value.value);
      return Number.isFinite(parsed) ? { kind: "real", value: parsed } : ERROR;
    }
    default:
      return ERROR;
  }
}

function rounded(name: "floor" | "ceiling" | "round", value: Value): Value {
  if (value.kind === "int") return value;
  const real = toReal(value);
  if (real.kind !== "real") return ERROR;
  const x = real.value;
  if (name === "floor") return { kind: "int", value: Math.floor(x) };
  if (name === "ceiling") return { kind: "int", value: Math.ceil(x) };
  // Round half to even, as HTCondor's round() documents.
  const floor = Math.floor(x);
  const diff = x - floor;
  const value2 = diff > 0.5 || (diff === 0.5 && floor % 2 !== 0) ? floor + 1 : floor;
  return { kind: "int", value: value2 };
}

/** min / max of a list (HTCondor's signature): undefined members dropped, empty -> undefined. */
function extreme(name: "min" | "max", list: Value): Value {
  if (list.kind !== "list") return ERROR;
  let best: Numeric | undefined;
  let anyReal = false;
  for (const item of list.items) {
    if (item.kind === "undefined") continue;
    if (item.kind !== "int" && item.kind !== "real") return ERROR;
    anyReal ||= item.kind === "real";
    if (
      best === undefined ||
      (name === "min" ? item.value < best.value : item.value > best.value)
    ) {
      best = item;
    }
  }
  if (best === undefined) return UNDEFINED;
  return { kind: anyReal ? "real" : "int", value: best.value };
}

/** quantize(a, b): the smallest multiple of b >= a; with a list, the first member >= a. */
function quantize(a: Value, b: Value): Value {
  if (a.kind === "undefined" || b.kind === "undefined") return UNDEFINED;
  if (a.kind !== "int" && a.kind !== "real") return ERROR;
  if (b.kind === "list") {
    let last: Value | undefined;
    for (const item of b.items) {
      if (item.kind !== "int" && item.kind !== "real") return ERROR;
      if (item.value >= a.value) return item;
      last = item;
    }
    return last === undefined ? ERROR : quantize(a, last);
  }
  if (b.kind !== "int" && b.kind !== "real") return ERROR;
  if (b.value === 0) return ERROR;
  const multiple = Math.ceil(a.value / b.value) * b.value;
  return b.kind === "int" ? { kind: "int", value: multiple } : { kind: "real", value: multiple };
}
