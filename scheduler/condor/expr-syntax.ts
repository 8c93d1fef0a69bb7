// The syntax of the ClassAd expressions HTCondor prints as "/Expr(<text>)/" (see expr.ts for their
// meaning). A small tokenizer and precedence-climbing parser; anything outside the subset we
// evaluate is a SyntaxFailure, which the evaluator turns into `undefined`. Never eval().

export type Node =
  | { type: "int"; value: number }
  | { type: "real"; value: number }
  | { type: "string"; value: string }
  | { type: "bool"; value: boolean }
  | { type: "undefined" }
  | { type: "error" }
  | { type: "list"; items: Node[] }
  /** scope: "" (unscoped), "my", "target", or another (unsupported) prefix, lower-cased. */
  | { type: "attr"; scope: string; name: string }
  | { type: "unary"; op: "-" | "+" | "!"; operand: Node }
  | { type: "binary"; op: BinaryOp; left: Node; right: Node }
  | { type: "cond"; test: Node; then: Node; else: Node }
  | { type: "call"; name: string; args: Node[] };

export type BinaryOp =
  | "+"
  | "-"
  | "*"
  | "/"
  | "%"
  | "<"
  | "<="
  | ">"
  | ">="
  | "=="
  | "!="
  | "is"
  | "isnt"
  | "&&"
  | "||";

/** Thrown inside the parser only; parseExpression reports it as a result. */
class SyntaxFailure extends Error {}

/** Longest expression we try to parse, and deepest nesting: bounds on hostile input. */
export const MAX_EXPRESSION_LENGTH = 16_384;
const MAX_DEPTH = 64;

type Token =
  | { kind: "int"; value: number }
  | { kind: "real"; value: number }
  | { kind: "string"; value: string }
  | { kind: "ident"; value: string }
  | { kind: "op"; value: string }
  | { kind: "end" };

// Longest first, so "=?=" wins over "==" and "<=" over "<".
const OPERATORS = [
  "=?=",
  "=!=",
  "&&",
  "||",
  "==",
  "!=",
  "<=",
  ">=",
  "<",
  ">",
  "+",
  "-",
  "*",
  "/",
  "%",
  "!",
  "?",
  ":",
  "(",
  ")",
  ",",
  "{",
  "}",
  ".",
];

const STRING_ESCAPES: Record<string, string> = {
  n: "\n",
  t: "\t",
  r: "\r",
  b: "\b",
  f: "\f",
  '"': '"',
  "'": "'",
  "\\": "\\",
  "/": "/",
};

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (c === " " || c === "\t" || c === "\n" || c === "\r") {
      i++;
      continue;
    }
    if (/[0-9]/.test(c) || (c === "." && /[0-9]/.test(text[i + 1] ?? ""))) {
      const match = /^(\d*\.\d+|\d+\.\d*|\d+)([eE][+-]?\d+)?/.exec(
        text.slice(i),
      ) as RegExpExecArray;
      const literal = match[0];
      const isReal = literal.includes(".") || match[2] !== undefined;
      tokens.push({ kind: isReal ? "real" : "int", value: Number(literal) });
      i += literal.length;
      continue;
    }
    if (c === '"') {
      let value = "";
      i++;
      for (;;) {
        const d = text[i];
        if (d === undefined) throw new SyntaxFailure("unterminated string");
        i++;
        if (d === '"') break;
        if (d === "\\") {
          const e = text[i];
          if (e === undefined) throw new SyntaxFailure("unterminated string");
          value += STRING_ESCAPES[e] ?? e;
          i++;
        } else {
          value += d;
        }
      }
      tokens.push({ kind: "string", value });
      continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      const match = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i, i + 256)) as RegExpExecArray;
      tokens.push({ kind: "ident", value: match[0] });
      i += match[0].length;
      continue;
    }
    const op = OPERATORS.find((candidate) => text.startsWith(candidate, i));
    if (op === undefined) throw new SyntaxFailure(`unexpected character ${JSON.stringify(c)}`);
    tokens.push({ kind: "op", value: op });
    i += op.length;
  }
  tokens.push({ kind: "end" });
  return tokens;
}

// Binary operators by precedence level, lowest first (ClassAd reference manual order).
const LEVELS: ReadonlyArray<ReadonlyArray<BinaryOp>> = [
  ["||"],
  ["&&"],
  ["==", "!=", "is", "isnt"],
  ["<", "<=", ">", ">="],
  ["+", "-"],
  ["*", "/", "%"],
];

class Parser {
  private position = 0;
  private depth = 0;

  constructor(private readonly tokens: Token[]) {}

  parse(): Node {
    const node = this.conditional();
    if (this.peek().kind !== "end") throw new SyntaxFailure("unexpected text after expression");
    return node;
  }

  private peek(): Token {
    return this.tokens[this.position] as Token;
  }

  private next(): Token {
    return this.tokens[this.position++] as Token;
  }

  private isOp(value: string): boolean {
    const token = this.peek();
    return token.kind === "op" && token.value === value;
  }

  private expectOp(value: string): void {
    if (!this.isOp(value)) throw new SyntaxFailure(`expected '${value}'`);
    this.position++;
  }

  /** The binary operator at the cursor, if any ("is"/"isnt" are words, =?= / =!= are symbols). */
  private binaryOp(): BinaryOp | undefined {
    const token = this.peek();
    if (token.kind === "op") {
      if (token.value === "=?=") return "is";
      if (token.value === "=!=") return "isnt";
      return token.value as BinaryOp;
    }
    if (token.kind === "ident") {
      const word = token.value.toLowerCase();
      if (word === "is" || word === "isnt") return word;
    }
    return undefined;
  }

  private enter(): void {
    if (++this.depth > MAX_DEPTH) throw new SyntaxFailure("expression nested too deeply");
  }

  private conditional(): Node {
    this.enter();
    const test = this.binary(0);
    let node = test;
    if (this.isOp("?")) {
      this.position++;
      const then = this.conditional();
      this.expectOp(":");
      node = { type: "cond", test, then, else: this.conditional() };
    }
    this.depth--;
    return node;
  }

  private binary(level: number): Node {
    const ops = LEVELS[level];
    if (ops === undefined) return this.unary();
    let left = this.binary(level + 1);
    for (;;) {
      const op = this.binaryOp();
      if (op === undefined || !ops.includes(op)) return left;
      this.position++;
      left = { type: "binary", op, left, right: this.binary(level + 1) };
    }
  }

  private unary(): Node {
    const token = this.peek();
    if (
      token.kind === "op" &&
      (token.value === "-" || token.value === "+" || token.value === "!")
    ) {
      this.position++;
      this.enter();
      const operand = this.unary();
      this.depth--;
      return { type: "unary", op: token.value, operand };
    }
    return this.primary();
  }

  private primary(): Node {
    const token = this.next();
    switch (token.kind) {
      case "int":
      case "real":
        return { type: token.kind, value: token.value };
      case "string":
        return { type: "string", value: token.value };
      case "ident":
        return this.identifier(token.value);
      case "op":
        if (token.value === "(") {
          const inner = this.conditional();
          this.expectOp(")");
          return inner;
        }
        if (token.value === "{") return { type: "list", items: this.arguments("}") };
        throw new SyntaxFailure(`unexpected '${token.value}'`);
      case "end":
        throw new SyntaxFailure("expression ended early");
    }
  }

  private identifier(word: string): Node {
    const lower = word.toLowerCase();
    if (this.isOp("(")) {
      this.position++;
      return { type: "call", name: lower, args: this.arguments(")") };
    }
    if (this.isOp(".")) {
      this.position++;
      const attribute = this.next();
      if (attribute.kind !== "ident")
        throw new SyntaxFailure("expected an attribute name after '.'");
      return { type: "attr", scope: lower, name: attribute.value };
    }
    if (lower === "true") return { type: "bool", value: true };
    if (lower === "false") return { type: "bool", value: false };
    if (lower === "undefined") return { type: "undefined" };
    if (lower === "error") return { type: "error" };
    return { type: "attr", scope: "", name: word };
  }

  private arguments(close: ")" | "}"): Node[] {
    this.enter();
    const items: Node[] = [];
    if (this.isOp(close)) {
      this.position++;
    } else {
      for (;;) {
        items.push(this.conditional());
        if (this.isOp(",")) {
          this.position++;
          continue;
        }
        this.expectOp(close);
        break;
      }
    }
    this.depth--;
    return items;
  }
}

/** Parses ClassAd expression text; undefined when it is not in the supported subset. */
export function parseExpression(text: string): Node | undefined {
  if (text.length > MAX_EXPRESSION_LENGTH) return undefined;
  try {
    return new Parser(tokenize(text)).parse();
  } catch (error) {
    if (error instanceof SyntaxFailure) return undefined;
    throw error;
  }
}
