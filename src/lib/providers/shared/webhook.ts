import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { z } from "zod";
import { WebhookParseError, type WebhookRequest, type WebhookVerdict } from "../types";

/** Helpers shared by the per-provider webhook files (`webhooks/<id>.ts`). */

/**
 * Constant-time equality of two strings. Both sides are hashed first, so neither the content nor
 * the length of the expected value leaks through timing.
 */
export function constantTimeEqual(given: string | null | undefined, expected: string): boolean {
  if (given == null) return false;
  const a = createHash("sha256").update(given, "utf8").digest();
  const b = createHash("sha256").update(expected, "utf8").digest();
  return timingSafeEqual(a, b);
}

export function hmac(algorithm: "sha1" | "sha256", key: string, ...parts: Array<string | Buffer>): Buffer {
  const mac = createHmac(algorithm, key);
  for (const part of parts) mac.update(part);
  return mac.digest();
}

/**
 * Replay protection for signed notices: the signed timestamp must be within `maxSkewMs` of when the
 * notice arrived. Check it after the signature, so the timestamp itself is authentic.
 */
export function timestampVerdict(timestampMs: number, receivedAt: Date, maxSkewMs: number, header: string): WebhookVerdict {
  if (!Number.isFinite(timestampMs) || Math.abs(receivedAt.getTime() - timestampMs) > maxSkewMs) {
    return { ok: false, reason: `${header} is stale (more than ${maxSkewMs / 1000} s away)` };
  }
  return { ok: true };
}

/** The dedupe key of a notice: a digest of the fields that identify it, in a fixed order. */
export function contentKey(...parts: unknown[]): string {
  return createHash("sha256").update(JSON.stringify(parts), "utf8").digest("hex");
}

/** Verdict for a shared-secret comparison; `what` names the header/parameter for the operator. */
export function secretVerdict(given: string | null, expected: string | undefined, what: string, setting: string): WebhookVerdict {
  if (!expected) return { ok: false, reason: `${setting} is not set, so ${what} cannot be checked` };
  if (!given) return { ok: false, reason: `${what} is missing` };
  return constantTimeEqual(given, expected) ? { ok: true } : { ok: false, reason: `${what} does not match` };
}

/** The body as JSON validated by `schema`; WebhookParseError (with zod's words) otherwise. */
export function parseJsonBody<T>(req: Pick<WebhookRequest, "rawBody">, schema: z.ZodType<T>, what: string): T {
  let json: unknown;
  try {
    json = JSON.parse(req.rawBody.toString("utf8"));
  } catch {
    throw new WebhookParseError(`${what}: the body is not JSON`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.slice(0, 3).map((i) => `${i.path.join(".") || "body"}: ${i.message}`);
    throw new WebhookParseError(`${what}: ${problems.join("; ")}`);
  }
  return parsed.data;
}

const DAY_MS = 86_400_000;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * A window safely covering a provider's local calendar day: from the UTC midnight before it to the
 * UTC midnight two days later (local days reach from UTC−12 to UTC+14).
 */
export function dayWindow(day: string, days = 1): { from: string; to: string } {
  if (!DAY.test(day) || Number.isNaN(Date.parse(`${day}T00:00:00Z`))) throw new WebhookParseError(`not a date: ${day}`);
  const start = Date.parse(`${day}T00:00:00Z`);
  return { from: new Date(start - DAY_MS).toISOString(), to: new Date(start + (days + 1) * DAY_MS).toISOString() };
}

/** [from, to] in epoch seconds → a half-open ISO window that includes `to`. */
export function secondsWindow(fromS: number, toS: number): { from: string; to: string } {
  const lo = Math.min(fromS, toS);
  const hi = Math.max(fromS, toS);
  return { from: new Date(lo * 1000).toISOString(), to: new Date(hi * 1000 + 1000).toISOString() };
}

export const isoDay = (d: Date) => d.toISOString().slice(0, 10);
