// HTTP for the OpenStack clients, on node:http/https: request and response bodies are
// streams with backpressure (multi-GB images never sit in memory), an idle timeout covers
// connect and every pause of the body, and an AbortSignal stops a transfer at any point.
import http, { type IncomingHttpHeaders } from "node:http";
import https from "node:https";
import { Readable } from "node:stream";
import { AbortedError, UnreachableError } from "./errors.js";

export interface HttpRequest {
  method: string;
  url: string;
  headers?: Record<string, string>;
  /** A string/bytes body, or a stream piped with backpressure (set Content-Length yourself). */
  body?: string | Uint8Array | Readable;
  signal?: AbortSignal;
}

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** Must be consumed or destroyed. Errors with UnreachableError if the peer stalls or cuts it. */
  body: Readable;
}

export type HttpTransport = (request: HttpRequest) => Promise<HttpResponse>;

export interface TransportOptions {
  /** Longest silence (connect, waiting for an answer, or between body chunks). Default 120 s. */
  idleTimeoutMs?: number;
  /** PEM CA bundle for https endpoints. */
  ca?: string;
  /** false to skip TLS verification (clouds.yaml `verify: false`). */
  rejectUnauthorized?: boolean;
}

const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EPIPE",
]);

export function nodeTransport(options: TransportOptions = {}): HttpTransport {
  const idleTimeoutMs = options.idleTimeoutMs ?? 120_000;
  return (request) =>
    new Promise<HttpResponse>((resolve, reject) => {
      const url = new URL(request.url);
      const where = `${request.method} ${url.origin}${url.pathname}`;
      if (request.signal?.aborted) {
        reject(new AbortedError(where));
        return;
      }
      const lib = url.protocol === "https:" ? https : http;
      const req = lib.request(url, {
        method: request.method,
        headers: request.headers,
        ...(url.protocol === "https:"
          ? { ca: options.ca, rejectUnauthorized: options.rejectUnauthorized ?? true }
          : {}),
      });
      let response: http.IncomingMessage | undefined;
      const fail = (err: Error): void => {
        if (response) response.destroy(err);
        else req.destroy(err);
      };
      const onAbort = (): void => fail(new AbortedError(where));
      request.signal?.addEventListener("abort", onAbort, { once: true });
      const detach = (): void => request.signal?.removeEventListener("abort", onAbort);

      req.setTimeout(idleTimeoutMs, () =>
        fail(new UnreachableError(where, `no data for ${idleTimeoutMs / 1000} s`)),
      );
      req.on("error", (err) => {
        detach();
        reject(classify(err, where));
      });
      req.on("response", (res) => {
        response = res;
        // Errors of the body reach the consumer typed like request errors.
        const body = new PassErrors(where, res);
        res.on("close", detach);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
      });

      const { body } = request;
      if (body instanceof Readable) {
        body.on("error", (err) => req.destroy(err));
        body.pipe(req);
        // The server may answer (401, 413) before it has read the whole body: stop sending.
        req.on("response", () => {
          if (!body.readableEnded) {
            body.unpipe(req);
            body.destroy();
          }
        });
      } else {
        req.end(body);
      }
    });
}

/** A pass-through that re-throws the response's errors (cut connection, timeout) typed. */
class PassErrors extends Readable {
  constructor(
    where: string,
    private readonly source: http.IncomingMessage,
  ) {
    super({ highWaterMark: 1 << 20 });
    source.on("data", (chunk: Buffer) => {
      if (!this.push(chunk)) source.pause();
    });
    source.on("end", () => {
      // node marks a body cut short of Content-Length as complete=false without an error.
      if (!source.complete) this.destroy(new UnreachableError(where, "connection closed mid-body"));
      else this.push(null);
    });
    source.on("error", (err) => this.destroy(classify(err, where)));
    source.on("aborted", () =>
      this.destroy(new UnreachableError(where, "connection closed mid-body")),
    );
  }

  override _read(): void {
    this.source.resume();
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    if (!this.source.destroyed) this.source.destroy();
    callback(err);
  }
}

function classify(err: Error, where: string): Error {
  if (err instanceof UnreachableError || err instanceof AbortedError) return err;
  const code = (err as NodeJS.ErrnoException).code;
  if (code === "ABORT_ERR") return new AbortedError(where);
  if (code && NETWORK_CODES.has(code)) return new UnreachableError(where, code);
  if (err.message === "aborted") return new UnreachableError(where, "connection closed mid-body");
  return err;
}

/** Reads a (small) body as text, at most `limit` bytes. */
export async function readText(response: HttpResponse, limit = 4 << 20): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response.body) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > limit) {
      response.body.destroy();
      throw new Error(`response body larger than ${limit} bytes`);
    }
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** A one-line summary of an error body (HTML pages from webob/eventlet, or JSON). */
export function summariseBody(text: string): string {
  const json = tryJson(text);
  const message = findMessage(json);
  if (message) return message;
  return text
    .replace(/<title>[^<]*<\/title>/i, "")
    .replace(/<[^>]+>/g, " ")
    .replace(/\s+/g, " ")
    .trim()
    .slice(0, 300);
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function findMessage(value: unknown): string | undefined {
  if (value === null || typeof value !== "object") return undefined;
  const record = value as Record<string, unknown>;
  if (typeof record.message === "string") return record.message;
  for (const inner of Object.values(record)) {
    const found = findMessage(inner);
    if (found) return found;
  }
  return undefined;
}
