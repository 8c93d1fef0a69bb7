// Keystone v3 authentication (password or application credential) -> token + catalog.
// The token is a Secret: it never appears in logs, errors or JSON.

import { z } from "zod";
import type { CloudCredentials } from "../config/credentials.js";
import { Secret } from "../config/secret.js";
import { type Catalog, catalogSchema } from "./catalog.js";
import { AuthError, BadResponseError, HttpError } from "./errors.js";
import { type HttpTransport, readText, summariseBody } from "./http.js";

export interface KeystoneToken {
  token: Secret;
  expiresAt: Date;
  catalog: Catalog;
  projectId?: string;
}

const tokenBodySchema = z.object({
  token: z
    .object({
      expires_at: z.string(),
      catalog: catalogSchema.default([]),
      project: z.object({ id: z.string() }).loose().optional(),
    })
    .loose(),
});

/** `auth_url` as written in clouds.yaml (with or without /v3) -> the v3 API root. */
export function identityV3Url(authUrl: string): string {
  const trimmed = authUrl.replace(/\/+$/, "");
  return /\/v3$/.test(trimmed) ? trimmed : `${trimmed}/v3`;
}

/** The POST /v3/auth/tokens body. Reveals the secret: never log the result. */
export function authRequestBody(credentials: CloudCredentials): string {
  const { auth } = credentials;
  if (auth.type === "application_credential") {
    return JSON.stringify({
      auth: {
        identity: {
          methods: ["application_credential"],
          application_credential: {
            id: auth.application_credential_id,
            secret: auth.application_credential_secret.reveal(),
          },
        },
      },
    });
  }
  const domain = (name?: string, id?: string) =>
    id !== undefined ? { id } : { name: name ?? "Default" };
  const project =
    auth.project_id !== undefined
      ? { id: auth.project_id }
      : {
          name: auth.project_name,
          domain: domain(auth.project_domain_name, auth.project_domain_id),
        };
  return JSON.stringify({
    auth: {
      identity: {
        methods: ["password"],
        password: {
          user: {
            name: auth.username,
            domain: domain(auth.user_domain_name, auth.user_domain_id),
            password: auth.password.reveal(),
          },
        },
      },
      scope: { project },
    },
  });
}

/** Asks Keystone for a token. AuthError on 401, UnreachableError when it does not answer. */
export async function authenticate(
  credentials: CloudCredentials,
  http: HttpTransport,
  signal?: AbortSignal,
): Promise<KeystoneToken> {
  const url = `${identityV3Url(credentials.auth_url)}/auth/tokens`;
  const response = await http({
    method: "POST",
    url,
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: authRequestBody(credentials),
    signal,
  });
  const text = await readText(response);
  if (response.status === 401) {
    throw new AuthError(
      `Keystone at ${url} rejected the credentials of ${credentials.source} (401: ${summariseBody(text)})`,
      url,
    );
  }
  if (response.status !== 201 && response.status !== 200) {
    throw new HttpError("POST", url, response.status, summariseBody(text));
  }
  const header = response.headers["x-subject-token"];
  const tokenValue = Array.isArray(header) ? header[0] : header;
  if (!tokenValue)
    throw new BadResponseError(`Keystone at ${url} answered without X-Subject-Token`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new BadResponseError(`Keystone at ${url} answered with invalid JSON`);
  }
  const parsed = tokenBodySchema.safeParse(json);
  if (!parsed.success) {
    throw new BadResponseError(
      `Keystone at ${url} answered with an unexpected token body: ${parsed.error.issues[0]?.message ?? ""}`,
    );
  }
  const { token } = parsed.data;
  return {
    token: new Secret(tokenValue),
    expiresAt: new Date(token.expires_at),
    catalog: token.catalog,
    projectId: token.project?.id,
  };
}

/** Keeps a token fresh: re-authenticates when it is within `marginMs` of expiring. */
export class TokenSession {
  #current: KeystoneToken | undefined;
  #pending: Promise<KeystoneToken> | undefined;
  #issuedAt: number | undefined;

  constructor(
    private readonly credentials: CloudCredentials,
    private readonly http: HttpTransport,
    private readonly now: () => Date,
    private readonly marginMs = 5 * 60_000,
  ) {}

  async current(): Promise<KeystoneToken> {
    const token = this.#current;
    if (token && this.fresh(token)) return token;
    this.#pending ??= authenticate(this.credentials, this.http).finally(() => {
      this.#pending = undefined;
    });
    this.#current = await this.#pending;
    this.#issuedAt = this.now().getTime();
    return this.#current;
  }

  /**
   * Far enough from expiry; a token Keystone issued within the last minute counts as fresh even
   * inside the margin (short-lived tokens, clock skew), so a session never re-authenticates
   * on every call.
   */
  private fresh(token: KeystoneToken): boolean {
    const now = this.now().getTime();
    if (token.expiresAt.getTime() - now > this.marginMs) return true;
    return (
      this.#issuedAt !== undefined &&
      now - this.#issuedAt < 60_000 &&
      token.expiresAt.getTime() > now
    );
  }

  async token(): Promise<Secret> {
    return (await this.current()).token;
  }
}
