// The bearer token that guards state-changing endpoints (CLOUDSCHEDULER_ADMIN_TOKEN). Compared
// in constant time: both sides are hashed first, so neither the content nor the length leaks.
import { createHash, timingSafeEqual } from "node:crypto";

export type AuthResult = "ok" | "disabled" | "missing" | "wrong";

export function checkBearer(header: string | undefined, token: string | undefined): AuthResult {
  if (!token) return "disabled";
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
  if (!match?.[1]) return "missing";
  return timingSafeEqual(digest(match[1]), digest(token)) ? "ok" : "wrong";
}

function digest(text: string): Buffer {
  return createHash("sha256").update(text, "utf8").digest();
}
