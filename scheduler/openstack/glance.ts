// Glance v2 images API: find, list, create, upload, download, delete, update properties.
// Image bodies are streams end to end; JSON answers are parsed through a schema here.
import type { Readable } from "node:stream";
import { z } from "zod";
import type { Secret } from "../config/secret.js";
import {
  AmbiguousImageError,
  AuthError,
  BadResponseError,
  HttpError,
  ImageNotFoundError,
} from "./errors.js";
import { type HttpResponse, type HttpTransport, readText, summariseBody } from "./http.js";

export const glanceImageSchema = z
  .object({
    id: z.string(),
    name: z.string().nullish(),
    status: z.string(),
    visibility: z.string().optional(),
    disk_format: z.string().nullish(),
    container_format: z.string().nullish(),
    size: z.number().nullish(),
    checksum: z.string().nullish(),
    os_hash_algo: z.string().nullish(),
    os_hash_value: z.string().nullish(),
    min_disk: z.number().default(0),
    min_ram: z.number().default(0),
    tags: z.array(z.string()).default([]),
    owner: z.string().nullish(),
  })
  .loose();

/** An image as Glance reports it; custom properties are the extra top-level string keys. */
export type GlanceImage = z.output<typeof glanceImageSchema>;

const imageListSchema = z.object({
  images: z.array(glanceImageSchema),
  next: z.string().optional(),
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface GlanceClientOptions {
  /** The cloud's name, for messages. */
  cloud: string;
  /** The image endpoint from the catalog (with or without /v2). */
  endpoint: string;
  token: () => Promise<Secret>;
  http: HttpTransport;
}

export class GlanceClient {
  readonly cloud: string;
  readonly baseUrl: string;

  constructor(private readonly options: GlanceClientOptions) {
    this.cloud = options.cloud;
    this.baseUrl = glanceV2Url(options.endpoint);
  }

  /** An image by id, else by name; several with that name -> AmbiguousImageError. */
  async findImage(ref: string): Promise<GlanceImage> {
    if (UUID.test(ref)) {
      try {
        return await this.getImage(ref);
      } catch (err) {
        if (!(err instanceof ImageNotFoundError)) throw err;
      }
    }
    const named = await this.listImages({ name: ref });
    if (named.length === 0) throw new ImageNotFoundError(this.cloud, ref);
    if (named.length > 1) {
      throw new AmbiguousImageError(
        this.cloud,
        ref,
        named.map((i) => i.id),
      );
    }
    return named[0] as GlanceImage;
  }

  async getImage(id: string): Promise<GlanceImage> {
    const response = await this.call("GET", `/images/${encodeURIComponent(id)}`, { image: id });
    return this.parse(response, glanceImageSchema);
  }

  /** Every image matching the filters (Glance's query parameters), following `next` links. */
  async listImages(filters: Record<string, string> = {}): Promise<GlanceImage[]> {
    const images: GlanceImage[] = [];
    let path: string | undefined = `/images?${new URLSearchParams({ limit: "200", ...filters })}`;
    while (path) {
      const response = await this.call("GET", path);
      const page = await this.parse(response, imageListSchema);
      images.push(...page.images);
      // `next` is an absolute path from the API root ("/v2/images?marker=..").
      path = page.next?.replace(/^\/v2/, "");
    }
    return images;
  }

  /** POST /v2/images: a queued image record with base attributes and custom properties. */
  async createImage(record: Record<string, unknown>): Promise<GlanceImage> {
    const response = await this.call("POST", "/images", {
      json: record,
      expect: [201],
    });
    return this.parse(response, glanceImageSchema);
  }

  /** PUT /v2/images/{id}/file, streamed with a known length. */
  async uploadData(id: string, data: Readable, sizeBytes: number, signal?: AbortSignal) {
    const response = await this.call("PUT", `/images/${encodeURIComponent(id)}/file`, {
      image: id,
      body: data,
      headers: {
        "Content-Type": "application/octet-stream",
        "Content-Length": String(sizeBytes),
      },
      expect: [204, 201, 200],
      signal,
    });
    response.body.resume();
  }

  /** GET /v2/images/{id}/file: the image bytes as a stream, with Glance's length and MD5. */
  async downloadData(
    id: string,
    signal?: AbortSignal,
  ): Promise<{ body: Readable; sizeBytes?: number; contentMd5?: string }> {
    const response = await this.call("GET", `/images/${encodeURIComponent(id)}/file`, {
      image: id,
      headers: { Accept: "application/octet-stream" },
      expect: [200, 204],
      signal,
    });
    if (response.status === 204) {
      response.body.resume();
      throw new BadResponseError(`image ${id} on cloud '${this.cloud}' has no data`);
    }
    const length = response.headers["content-length"];
    const md5 = response.headers["content-md5"];
    return {
      body: response.body,
      sizeBytes: length === undefined ? undefined : Number(length),
      contentMd5: typeof md5 === "string" ? md5 : undefined,
    };
  }

  /** DELETE /v2/images/{id}; an image already gone counts as deleted. */
  async deleteImage(id: string): Promise<void> {
    try {
      const response = await this.call("DELETE", `/images/${encodeURIComponent(id)}`, {
        image: id,
        expect: [204, 200],
      });
      response.body.resume();
    } catch (err) {
      if (!(err instanceof ImageNotFoundError)) throw err;
    }
  }

  /** Sets custom properties with a JSON patch ("add" replaces an existing value). */
  async updateProperties(id: string, properties: Record<string, string>): Promise<GlanceImage> {
    const patch = Object.entries(properties).map(([key, value]) => ({
      op: "add",
      path: `/${key.replaceAll("~", "~0").replaceAll("/", "~1")}`,
      value,
    }));
    const response = await this.call("PATCH", `/images/${encodeURIComponent(id)}`, {
      image: id,
      body: JSON.stringify(patch),
      headers: { "Content-Type": "application/openstack-images-v2.1-json-patch" },
    });
    return this.parse(response, glanceImageSchema);
  }

  private async call(
    method: string,
    path: string,
    opts: {
      image?: string;
      json?: unknown;
      body?: string | Readable;
      headers?: Record<string, string>;
      expect?: number[];
      signal?: AbortSignal;
    } = {},
  ): Promise<HttpResponse> {
    const url = `${this.baseUrl}${path}`;
    const token = await this.options.token();
    const headers: Record<string, string> = {
      Accept: "application/json",
      ...opts.headers,
      "X-Auth-Token": token.reveal(),
    };
    let body = opts.body;
    if (opts.json !== undefined) {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(opts.json);
    }
    const response = await this.options.http({ method, url, headers, body, signal: opts.signal });
    const expect = opts.expect ?? [200];
    if (expect.includes(response.status)) return response;
    const detail = summariseBody(await readText(response).catch(() => ""));
    if (response.status === 401) {
      throw new AuthError(
        `Glance of cloud '${this.cloud}' rejected the token (401 at ${url})`,
        url,
      );
    }
    if (response.status === 404 && opts.image !== undefined) {
      throw new ImageNotFoundError(this.cloud, opts.image);
    }
    throw new HttpError(method, url, response.status, detail);
  }

  private async parse<T>(response: HttpResponse, schema: z.ZodType<T>): Promise<T> {
    const text = await readText(response);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new BadResponseError(`Glance of cloud '${this.cloud}' answered with invalid JSON`);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new BadResponseError(
        `Glance of cloud '${this.cloud}' answered with an unexpected body: ${issue?.path.join(".")} ${issue?.message}`,
      );
    }
    return parsed.data;
  }
}

/** The catalog's image endpoint -> the v2 API root (".../v2"). */
export function glanceV2Url(endpoint: string): string {
  const trimmed = endpoint.replace(/\/+$/, "");
  return /\/v2(\.\d+)?$/.test(trimmed) ? trimmed.replace(/\/v2\.\d+$/, "/v2") : `${trimmed}/v2`;
}

/** Custom properties of an image: the extra top-level keys with string values. */
export function customProperties(image: GlanceImage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(image)) {
    if (typeof value === "string" && !GLANCE_OWNED.has(key) && !key.startsWith("os_glance"))
      out[key] = value;
  }
  return out;
}

/** Keys Glance sets itself or that describe this copy, not the image: never copied. */
export const GLANCE_OWNED = new Set([
  "id",
  "name",
  "status",
  "visibility",
  "protected",
  "os_hidden",
  "checksum",
  "os_hash_algo",
  "os_hash_value",
  "owner",
  "size",
  "virtual_size",
  "min_disk",
  "min_ram",
  "disk_format",
  "container_format",
  "created_at",
  "updated_at",
  "tags",
  "self",
  "file",
  "schema",
  "direct_url",
  "locations",
  "stores",
  "members",
]);
