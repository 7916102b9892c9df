import { z } from "zod";
import { isObject, requestJson, stringField } from "../shared/oauth2";
import type { WebhookNotice, WebhookSpec } from "../types";
import { constantTimeEqual, contentKey, hmac, parseJsonBody, timestampVerdict } from "../shared/webhook";

/**
 * WHOOP webhooks, v2 (providers.md §4). The URL is set on the app in WHOOP's Developer Dashboard
 * (no API, no handshake). `X-WHOOP-Signature` = base64 HMAC-SHA256(key = client secret,
 * `X-WHOOP-Signature-Timestamp` (ms) + raw body); stale timestamps are refused so a captured notice
 * cannot be replayed later. A notice names one object (for recovery events: the sleep's UUID); the
 * object's start/end give the narrow-sync window. WHOOP sends no deauthorization event.
 */

const SECRET_VAR = "WHOOP_CLIENT_SECRET";
/** OW refuses timestamps more than 300 s away; WHOOP publishes no number (UNCONFIRMED). */
export const WHOOP_MAX_SKEW_MS = 300_000;
const API = "https://api.prod.whoop.com/developer/v2";

/** Object kind → sync resources (src/lib/sync/fetchers/whoop.ts) and where to read the object. */
const KINDS: Record<string, { resources: string[]; path: string; table?: "activity" | "sleep_session" }> = {
  workout: { resources: ["workout"], path: "activity/workout", table: "activity" },
  sleep: { resources: ["sleep"], path: "activity/sleep", table: "sleep_session" },
  // Since 2025-08 a recovery event's id is the sleep's UUID; the recovery belongs to that sleep.
  recovery: { resources: ["recovery"], path: "activity/sleep" },
};
export const WHOOP_EVENT_RESOURCES = Object.fromEntries(Object.entries(KINDS).map(([k, v]) => [k, v.resources]));

const notice = z.looseObject({
  user_id: z.union([z.number().int(), z.string().regex(/^\d{1,20}$/)]).transform(String),
  id: z.union([z.string().min(1).max(64).regex(/^[A-Za-z0-9-]+$/), z.number().int()]).transform(String),
  type: z.string().regex(/^[a-z_]+\.[a-z_]+$/),
  trace_id: z.string().max(128).optional(),
});

function noticeOf(n: z.infer<typeof notice>, body: string): WebhookNotice {
  const [object, verb] = n.type.split(".");
  const kind = KINDS[object];
  const action: WebhookNotice["action"] = !kind
    ? { kind: "none", reason: `event type ${n.type} is not synced` }
    : verb === "deleted"
      ? kind.table
        ? { kind: "delete", table: kind.table, externalId: n.id }
        : { kind: "none", reason: `${n.type}: deleted ${object}s are not tracked` }
      : verb === "updated"
        ? { kind: "lookup", resources: kind.resources, objectId: n.id, objectType: object }
        : { kind: "none", reason: `event type ${n.type} is not synced` };
  return {
    providerUserId: n.user_id,
    dedupeKey: contentKey(n.user_id, n.type, n.id, n.trace_id ?? null),
    replay: n.trace_id ? "event" : "state",
    body,
    action,
  };
}

export const whoopWebhook: WebhookSpec = {
  keptHeaders: ["x-whoop-signature", "x-whoop-signature-timestamp"],
  ackStatus: 200,
  rejectStatus: 401,
  deadlineMs: 10_000,
  verify(req, secrets) {
    const secret = secrets(SECRET_VAR);
    if (!secret) return { ok: false, reason: `${SECRET_VAR} is not set, so X-WHOOP-Signature cannot be checked` };
    const given = req.headers.get("x-whoop-signature");
    const timestamp = req.headers.get("x-whoop-signature-timestamp");
    if (!given || !timestamp) return { ok: false, reason: "X-WHOOP-Signature or X-WHOOP-Signature-Timestamp is missing" };
    const expected = hmac("sha256", secret, timestamp, req.rawBody).toString("base64");
    if (!constantTimeEqual(given, expected)) return { ok: false, reason: "X-WHOOP-Signature does not match the body" };
    // Checked after the signature, so the timestamp itself is authentic.
    return timestampVerdict(/^\d{1,16}$/.test(timestamp) ? Number(timestamp) : NaN, req.receivedAt, WHOOP_MAX_SKEW_MS, "X-WHOOP-Signature-Timestamp");
  },
  parse(req) {
    return [noticeOf(parseJsonBody(req, notice, "whoop notice"), req.rawBody.toString("utf8"))];
  },
  async lookup(ctx, tokens, action) {
    const kind = KINDS[action.objectType ?? ""];
    if (!kind) return null;
    const { status, json } = await requestJson(ctx, `${API}/${kind.path}/${encodeURIComponent(action.objectId)}`, {
      what: action.objectType ?? "object",
      okStatuses: [404],
      headers: { Authorization: `Bearer ${tokens.accessToken}` },
      secrets: [tokens.accessToken],
    });
    if (status === 404 || !isObject(json)) return null;
    const start = Date.parse(stringField(json.start) ?? "");
    const end = Date.parse(stringField(json.end) ?? "");
    if (Number.isNaN(start)) return null;
    return { from: new Date(start - 60_000), to: new Date((Number.isNaN(end) ? start : end) + 60_000) };
  },
};
