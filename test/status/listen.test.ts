// --listen parsing: loopback by default, other addresses only when asked for explicitly.
import { describe, expect, it } from "vitest";
import { ListenAddressError } from "../../scheduler/status/errors.js";
import { listenFromOption, parseListen } from "../../scheduler/status/listen.js";
import { terminalSafe } from "../../scheduler/status/text-table.js";

describe("listen address", () => {
  it("parses host:port, [v6]:port and :port", () => {
    expect(parseListen("127.0.0.1:8787", false)).toEqual({
      host: "127.0.0.1",
      port: 8787,
      loopback: true,
    });
    expect(parseListen("[::1]:9000", false)).toEqual({ host: "::1", port: 9000, loopback: true });
    expect(parseListen(":0", false)).toEqual({ host: "127.0.0.1", port: 0, loopback: true });
    expect(parseListen("0.0.0.0:8787", true)).toEqual({
      host: "0.0.0.0",
      port: 8787,
      loopback: false,
    });
  });

  it("refuses non-loopback unless explicit, and malformed addresses", () => {
    expect(() => parseListen("0.0.0.0:8787", false)).toThrow(ListenAddressError);
    expect(() => parseListen("8787", true)).toThrow(/expected HOST:PORT/);
    expect(() => parseListen("host:99999", true)).toThrow(/expected HOST:PORT/);
    expect(() => parseListen("[abc]:1", true)).toThrow(/not an IPv6/);
  });

  it("defaults to loopback for the daemon, nothing for --once or --no-listen", () => {
    expect(listenFromOption(undefined, false)).toEqual({
      host: "127.0.0.1",
      port: 8787,
      loopback: true,
    });
    expect(listenFromOption(undefined, true)).toBeUndefined();
    expect(listenFromOption(false, false)).toBeUndefined();
    expect(listenFromOption("10.0.0.5:80", true)?.loopback).toBe(false);
  });
});

describe("terminalSafe", () => {
  it("escapes control and bidi characters and cuts long text", () => {
    expect(terminalSafe("a\u001b[2Jb\nc\u202ed")).toBe("a\\u001b[2Jb\\u000ac\\u202ed");
    expect(terminalSafe("x".repeat(100), 10)).toBe(`${"x".repeat(9)}…`);
  });
});
