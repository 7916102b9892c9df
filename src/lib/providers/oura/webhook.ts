import { z } from "zod";
import { isObject, requestJson, stringField } from "../shared/oauth2";
import type { WebhookNotice, WebhookSpec } from "../types";
import { constantTimeEqual, contentKey, dayWindow, hmac, parseJsonBody, timestampVerdict } from "../shared/webhook";

/**
 * Oura webhook subscriptions (providers.md §3), one per (data_type, event_type), created with
 * `npm run webhooks:subscribe -- oura`. Handshake: `GET ?verification_token=T&challenge=C` →
 * `{"challenge":"C"}`. Notices are signed: `x-oura-signature` = upper-case hex HMAC-SHA256(key =
 * client secret, `x-oura-timestamp` + raw body). A notice names one object; its `day` (read from
 * the object) gives the narrow-sync window. Oura documents no deauthorization event.
 */

export const OURA_VERIFICATION_VAR = "OURA_WEBHOOK_VERIFICATION_TOKEN";
/** How far x-oura-timestamp (epoch seconds, UNCONFIRMED) may be from arrival; Oura publishes no number (UNCONFIRMED, as WHOOP). */
export const OURA_MAX_SKEW_MS = 300_000;
const SECRET_VAR = "OURA_CLIENT_SECRET";
const API = "https://api.ouraring.com/v2/usercollection";

/** data_type → sync resource (src/lib/sync/fetchers/oura.ts); others are not synced. */
export const OURA_DATA_TYPE_RESOURCES: Record<string, string> = {
  workout: "workout",
  sleep: "sleep",
  daily_sleep: "daily_sleep",
  daily_readiness: "daily_readiness",
  daily_activity: "daily_activity",
};
/** Which of our tables a deleted object of this data_type lives in. */
const DELETABLE: Record<string, "activity" | "sleep_session"> = { workout: "activity", session: "activity", sleep: "sleep_session" };

const notice = z.looseObject({
  event_type: z.enum(["create", "update", "delete"]),
  data_type: z.string().min(1).max(64),
  object_id: z.string().min(1).max(128).regex(/^[A-Za-z0-9._:-]+$/),
  user_id: z.union([z.string().min(1).max(128), z.number()]).transform(String),
  event_time: z.string().max(64).optional(),
});

function noticeOf(n: z.infer<typeof notice>, body: string): WebhookNotice {
  const resource = OURA_DATA_TYPE_RESOURCES[n.data_type];
  const table = DELETABLE[n.data_type];
  const action: WebhookNotice["action"] =
    n.event_type === "delete"
      ? table
        ? { kind: "delete", table, externalId: n.object_id }
        : { kind: "none", reason: `deleted ${n.data_type} objects are not tracked` }
      : resource
        ? { kind: "lookup", resources: [resource], objectId: n.object_id, objectType: n.data_type }
        : { kind: "none", reason: `data type ${n.data_type} is not synced` };
  return {
    providerUserId: n.user_id,
    dedupeKey: contentKey(n.user_id, n.event_type, n.data_type, n.object_id, n.event_time ?? null),
    // With an event time a replay is exact; without, the same notice later may mean a new update.
    replay: n.event_time ? "event" : "state",
    body,
    action,
  };
}

export const ouraWebhook: WebhookSpec = {
  keptHeaders: ["x-oura-signature", "x-oura-timestamp"],
  ackStatus: 200,
  rejectStatus: 401,
  deadlineMs: 10_000,
  handshake(req, secrets) {
    const q = req.url.searchParams;
    if (req.method !== "GET" || !q.has("challenge")) return null;
    const expected = secrets(OURA_VERIFICATION_VAR);
    if (!expected || !constantTimeEqual(q.get("verification_token"), expected)) {
      return { status: 401, body: { error: "verification token mismatch" } };
    }
    return { status: 200, body: { challenge: q.get("challenge") } };
  },
  verify(req, secrets) {
    const secret = secrets(SECRET_VAR);
    if (!secret) return { ok: false, reason: `${SECRET_VAR} is not set, so x-oura-signature cannot be checked` };
    const given = req.headers.get("x-oura-signature");
    const timestamp = req.headers.get("x-oura-timestamp");
    if (!given || !timestamp) return { ok: false, reason: "x-oura-signature or x-oura-timestamp is missing" };
    const expected = hmac("sha256", secret, timestamp, req.rawBody).toString("hex").toUpperCase();
    if (!constantTimeEqual(given.toUpperCase(), expected)) return { ok: false, reason: "x-oura-signature does not match the body" };
    // Checked after the signature, so the timestamp itself is authentic: a captured notice cannot be replayed later.
    return timestampVerdict(/^\d{1,12}$/.test(timestamp) ? Number(timestamp) * 1000 : NaN, req.receivedAt, OURA_MAX_SKEW_MS, "x-oura-timestamp");
  },
  parse(req) {
    return [noticeOf(parseJsonBody(req, notice, "oura notice"), req.rawBody.toString("utf8"))];
  },
  async lookup(ctx, tokens, action) {
    const { status, json } = await requestJson(ctx, `${API}/${action.objectType}/${encodeURIComponent(action.objectId)}`, {
      what: `${action.objectType} document`,
      okStatuses: [404],
      headers: { Authorization: `Bearer ${tokens.accessToken}` },
      secrets: [tokens.accessToken],
    });
    const day = status === 404 || !isObject(json) ? undefined : stringField(json.day);
    if (!day) return null;
    const w = dayWindow(day);
    return { from: new Date(w.from), to: new Date(w.to) };
  },
};
