// Nova (compute v2.1): list the project's servers and delete one. JSON answers are parsed
// through a schema here; the token is read per request and never appears in messages.
import { z } from "zod";
import type { Secret } from "../config/secret.js";
import { AuthError, BadResponseError, HttpError } from "./errors.js";
import { type HttpResponse, type HttpTransport, readText, summariseBody } from "./http.js";

export const novaServerSchema = z
  .object({
    id: z.string().min(1),
    name: z.string(),
    status: z.string(),
    // Nova returns every metadata value as a string; anything else is not ours to read.
    metadata: z.record(z.string(), z.unknown()).default({}),
    created: z.string().optional(),
  })
  .loose();

export type NovaServer = z.output<typeof novaServerSchema>;

const serverListSchema = z.object({ servers: z.array(novaServerSchema) });

/** Servers per page: Nova's default max_limit is 1000. */
const PAGE = 1000;
/** Pages before we stop: 100k servers in one project is beyond anything this scheduler runs. */
const MAX_PAGES = 100;

export interface NovaClientOptions {
  /** The cloud's name, for messages. */
  cloud: string;
  /** The compute endpoint from the catalog (".../v2.1" or ".../v2.1/<project>"). */
  endpoint: string;
  token: () => Promise<Secret>;
  http: HttpTransport;
}

export class NovaClient {
  readonly cloud: string;
  readonly baseUrl: string;

  constructor(private readonly options: NovaClientOptions) {
    this.cloud = options.cloud;
    this.baseUrl = options.endpoint.replace(/\/+$/, "");
  }

  /** Every server of the project (all pages), as Nova reports them. */
  async listServers(signal?: AbortSignal): Promise<NovaServer[]> {
    const servers: NovaServer[] = [];
    let marker: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const query = new URLSearchParams({ limit: String(PAGE) });
      if (marker !== undefined) query.set("marker", marker);
      const response = await this.call("GET", `/servers/detail?${query}`, [200], signal);
      const batch = (await this.parse(response, serverListSchema)).servers;
      servers.push(...batch);
      if (batch.length < PAGE) return servers;
      marker = batch[batch.length - 1]?.id;
    }
    throw new BadResponseError(
      `Nova of cloud '${this.cloud}' listed more than ${PAGE * MAX_PAGES} servers; refusing to go on`,
    );
  }

  /** DELETE /servers/{id}; a server already gone (404) counts as deleted. */
  async deleteServer(id: string, signal?: AbortSignal): Promise<void> {
    const response = await this.call(
      "DELETE",
      `/servers/${encodeURIComponent(id)}`,
      [202, 204, 404],
      signal,
    );
    response.body.resume();
  }

  private async call(
    method: string,
    path: string,
    expect: number[],
    signal?: AbortSignal,
  ): Promise<HttpResponse> {
    const url = `${this.baseUrl}${path}`;
    const token = await this.options.token();
    const response = await this.options.http({
      method,
      url,
      headers: { Accept: "application/json", "X-Auth-Token": token.reveal() },
      signal,
    });
    if (expect.includes(response.status)) return response;
    const detail = summariseBody(await readText(response).catch(() => ""));
    if (response.status === 401) {
      throw new AuthError(`Nova of cloud '${this.cloud}' rejected the token (401 at ${url})`, url);
    }
    throw new HttpError(method, url, response.status, detail);
  }

  private async parse<T>(response: HttpResponse, schema: z.ZodType<T>): Promise<T> {
    const text = await readText(response, 64 << 20);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new BadResponseError(`Nova of cloud '${this.cloud}' answered with invalid JSON`);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new BadResponseError(
        `Nova of cloud '${this.cloud}' answered with an unexpected body: ${issue?.path.join(".")} ${issue?.message}`,
      );
    }
    return parsed.data;
  }
}
