import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Secret } from "../../scheduler/config/secret.js";
import { AuthError, UnreachableError } from "../../scheduler/openstack/errors.js";
import { nodeTransport } from "../../scheduler/openstack/http.js";
import {
  authenticate,
  authRequestBody,
  identityV3Url,
  TokenSession,
} from "../../scheduler/openstack/keystone.js";
import { FakeCloud } from "./fake-cloud.js";

const cloud = new FakeCloud();
cloud.keepRecordedExpiry = true;
beforeAll(() => cloud.start());
afterAll(() => cloud.stop());
const http = nodeTransport({ idleTimeoutMs: 5000 });

describe("keystone", () => {
  it("builds v3 URLs from auth_url with or without /v3", () => {
    expect(identityV3Url("http://k:5000")).toBe("http://k:5000/v3");
    expect(identityV3Url("http://k:5000/v3/")).toBe("http://k:5000/v3");
  });

  it("sends a project-scoped password request and an unscoped application credential", () => {
    const pw = JSON.parse(authRequestBody(cloud.credentials("RegionOne", "s3cret")));
    expect(pw.auth.identity.password.user).toEqual({
      name: "cs-images",
      domain: { name: "Default" },
      password: "s3cret",
    });
    expect(pw.auth.scope.project).toEqual({ name: "cs-images", domain: { name: "Default" } });
    const ac = JSON.parse(
      authRequestBody({
        ...cloud.credentials("RegionOne"),
        auth: {
          type: "application_credential",
          application_credential_id: "abc",
          application_credential_secret: new Secret("xyz"),
        },
      }),
    );
    expect(ac.auth.identity).toEqual({
      methods: ["application_credential"],
      application_credential: { id: "abc", secret: "xyz" },
    });
    expect(ac.auth.scope).toBeUndefined();
  });

  it("parses the recorded token response: token secret, expiry, catalog", async () => {
    const token = await authenticate(cloud.credentials("RegionOne"), http);
    expect(token.token.reveal()).toBe("fake-token");
    expect(JSON.stringify(token)).not.toContain("fake-token");
    expect(token.expiresAt.toISOString()).toBe("2026-11-25T11:16:52.000Z");
    expect(token.catalog.map((s) => s.type).sort()).toEqual(["identity", "image"]);
  });

  it("turns a 401 into AuthError naming the URL, never the password", async () => {
    const err = await authenticate(cloud.credentials("RegionOne", "wrong-pw-123"), http).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(AuthError);
    expect((err as Error).message).toContain(`${cloud.base}/v3/auth/tokens`);
    expect((err as Error).message).toContain("requires authentication");
    expect((err as Error).message).not.toContain("wrong-pw-123");
  });

  it("turns a refused connection into UnreachableError with the URL", async () => {
    const creds = { ...cloud.credentials("RegionOne"), auth_url: "http://127.0.0.1:1/v3" };
    const err = await authenticate(creds, http).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnreachableError);
    expect((err as Error).message).toContain("http://127.0.0.1:1/v3/auth/tokens");
    expect((err as Error).message).toContain("ECONNREFUSED");
  });

  it("re-authenticates only when the token is about to expire", async () => {
    let now = new Date("2026-11-25T10:20:00Z");
    const session = new TokenSession(cloud.credentials("RegionOne"), http, () => now);
    const before = cloud.tokensIssued;
    await session.token();
    await session.token();
    expect(cloud.tokensIssued - before).toBe(1);
    now = new Date("2026-11-25T11:13:00Z"); // 3 min before expiry
    await session.token();
    expect(cloud.tokensIssued - before).toBe(2);
  });
});

describe("a token issued already inside the refresh margin", () => {
  it("is used rather than re-authenticating on every call", async () => {
    const now = new Date("2026-11-25T11:14:00Z"); // the recorded token has under 3 min left
    const session = new TokenSession(cloud.credentials("RegionOne"), http, () => now);
    const before = cloud.tokensIssued;
    await session.token();
    await session.token();
    await session.token();
    expect(cloud.tokensIssued - before).toBe(1);
  });
});
