import { z } from "zod";
import type { WebhookNotice, WebhookSpec } from "../types";
import { constantTimeEqual, contentKey, dayWindow, hmac, parseJsonBody } from "./shared";

/**
 * Fitbit subscriptions (providers.md §5). Adding a subscriber makes Fitbit GET `?verify=<code>`
 * twice: the right code must get 204, a wrong one 404. Notices are a JSON array (possibly batched,
 * several users) signed with `X-Fitbit-Signature` = base64 HMAC-SHA1(key `client_secret&`, raw
 * body); a bad signature must get 404. Accepted notices get 204 within 5 s.
 */

export const FITBIT_VERIFICATION_VAR = "FITBIT_SUBSCRIBER_VERIFICATION_CODE";
const SECRET_VAR = "FITBIT_CLIENT_SECRET";

/** Collection → sync resources (src/lib/sync/fetchers/fitbit.ts). `foods` is not synced. */
export const FITBIT_COLLECTION_RESOURCES: Record<string, string[]> = {
  activities: ["activities", "daily"],
  sleep: ["sleep"],
  body: ["body"],
};
/** Both mean the user took the app's access away. */
const REVOKED = new Set(["userRevokedAccess", "deleteUser"]);

const item = z.looseObject({
  collectionType: z.string().min(1).max(64),
  date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional(),
  ownerId: z.string().min(1).max(64),
  ownerType: z.string().optional(),
  subscriptionId: z.string().max(64).optional(),
});
const body = z.array(item).min(1).max(1000);

function noticeOf(n: z.infer<typeof item>): WebhookNotice {
  const resources = FITBIT_COLLECTION_RESOURCES[n.collectionType];
  const action: WebhookNotice["action"] = REVOKED.has(n.collectionType)
    ? { kind: "revoke", reason: "the user revoked Healthbridge's access on Fitbit" }
    : resources && n.date
      ? { kind: "sync", resources, ...dayWindow(n.date) }
      : { kind: "none", reason: `collection ${n.collectionType} is not synced` };
  return {
    providerUserId: n.ownerId,
    dedupeKey: contentKey(n.ownerId, n.collectionType, n.date ?? null, n.subscriptionId ?? null),
    // Fitbit says only "this collection changed on this date": the same notice later means new data.
    replay: "state",
    body: JSON.stringify([n]),
    action,
  };
}

export const fitbitWebhook: WebhookSpec = {
  ackStatus: 204,
  rejectStatus: 404,
  deadlineMs: 5_000,
  handshake(req, secrets) {
    if (req.method !== "GET" || !req.url.searchParams.has("verify")) return null;
    const expected = secrets(FITBIT_VERIFICATION_VAR);
    const ok = Boolean(expected) && constantTimeEqual(req.url.searchParams.get("verify"), expected!);
    return { status: ok ? 204 : 404 };
  },
  verify(req, secrets) {
    const secret = secrets(SECRET_VAR);
    if (!secret) return { ok: false, reason: `${SECRET_VAR} is not set, so X-Fitbit-Signature cannot be checked` };
    const given = req.headers.get("x-fitbit-signature");
    if (!given) return { ok: false, reason: "X-Fitbit-Signature is missing" };
    const expected = hmac("sha1", `${secret}&`, req.rawBody).toString("base64");
    return constantTimeEqual(given, expected) ? { ok: true } : { ok: false, reason: "X-Fitbit-Signature does not match the body" };
  },
  parse(req) {
    return parseJsonBody(req, body, "fitbit notice").map(noticeOf);
  },
};
