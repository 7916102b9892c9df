import { z } from "zod";
import { isObject, numberField, requestJson, stringField } from "../shared/oauth2";
import { WebhookParseError, type ProviderContext, type TokenSet, type WebhookNotice, type WebhookSpec } from "../types";
import { constantTimeEqual, contentKey, parseJsonBody } from "../shared/webhook";

/**
 * Strava push subscriptions (providers.md §1). One subscription per app, created with
 * `npm run webhooks:subscribe -- strava`. Handshake: Strava GETs `?hub.mode=subscribe&
 * hub.challenge=X&hub.verify_token=T` and wants `{"hub.challenge":"X"}` within 2 s. Notices carry no
 * signature, so a notice is a hint: a deletion is acted on only once Strava answers 404 for the
 * activity, a deauthorization only once Strava refuses the connection's token (401).
 */

export const STRAVA_VERIFY_TOKEN_VAR = "STRAVA_WEBHOOK_VERIFY_TOKEN";
const ACTIVITY_URL = "https://www.strava.com/api/v3/activities";
const ATHLETE_URL = "https://www.strava.com/api/v3/athlete";
/** The sync resource of Strava activities (src/lib/sync/fetchers/strava.ts). */
const ACTIVITIES = "activities";
/** Room around an activity's span when narrow-syncing it (its start time is what the list filters on). */
const MARGIN_MS = 60_000;

const id = z.union([z.number().int().nonnegative(), z.string().regex(/^\d{1,20}$/)]).transform(String);
const event = z.object({
  object_type: z.enum(["activity", "athlete"]),
  object_id: id,
  aspect_type: z.enum(["create", "update", "delete"]),
  updates: z.record(z.string(), z.unknown()).nullish(),
  owner_id: id,
  subscription_id: id.optional(),
  event_time: z.number().int().nonnegative(),
});

function noticeOf(e: z.infer<typeof event>, body: string): WebhookNotice {
  const updates = e.updates ?? {};
  const action: WebhookNotice["action"] =
    e.object_type === "athlete"
      ? String(updates.authorized) === "false"
        ? { kind: "revoke", reason: "the athlete revoked Healthbridge's access on Strava", confirm: true }
        : { kind: "none", reason: "athlete profile update" }
      : e.aspect_type === "delete"
        ? { kind: "delete", table: "activity", externalId: e.object_id, confirm: true }
        : { kind: "lookup", resources: [ACTIVITIES], objectId: e.object_id };
  return {
    providerUserId: e.owner_id,
    dedupeKey: contentKey(e.owner_id, e.object_type, e.object_id, e.aspect_type, e.event_time, updates),
    replay: "event", // event_time makes every change distinct
    body,
    action,
  };
}

export const stravaWebhook: WebhookSpec = {
  ackStatus: 200,
  rejectStatus: 403,
  deadlineMs: 2_000,
  handshake(req, secrets) {
    if (req.method !== "GET") return null;
    const q = req.url.searchParams;
    if (q.get("hub.mode") !== "subscribe" || !q.has("hub.challenge")) return null;
    const expected = secrets(STRAVA_VERIFY_TOKEN_VAR);
    if (!expected || !constantTimeEqual(q.get("hub.verify_token"), expected)) {
      return { status: 403, body: { error: "verify token mismatch" } };
    }
    return { status: 200, body: { "hub.challenge": q.get("hub.challenge") } };
  },
  // No signature exists: notices are matched to a known athlete, then confirmed with Strava (above).
  verify: () => ({ ok: true }),
  parse(req) {
    return [noticeOf(parseJsonBody(req, event, "strava notice"), req.rawBody.toString("utf8"))];
  },
  async confirmGone(ctx, tokens, action) {
    return (await stravaActivity(ctx, tokens, action.externalId)) === null;
  },
  async confirmRevoked(ctx, tokens) {
    const { status } = await requestJson(ctx, ATHLETE_URL, {
      what: "athlete",
      okStatuses: [401],
      headers: { Authorization: `Bearer ${tokens.accessToken}` },
      secrets: [tokens.accessToken],
    });
    return status === 401;
  },
  async lookup(ctx, tokens, action) {
    const json = await stravaActivity(ctx, tokens, action.objectId);
    if (!json) return null;
    const start = Date.parse(stringField(json.start_date) ?? "");
    if (Number.isNaN(start)) return null;
    const elapsed = (numberField(json.elapsed_time) ?? 0) * 1000;
    return { from: new Date(start - MARGIN_MS), to: new Date(start + elapsed + MARGIN_MS) };
  },
};

/** `GET /activities/{id}` with the athlete's token: the activity, or null when Strava answers 404. */
async function stravaActivity(ctx: ProviderContext, tokens: TokenSet, id: string): Promise<Record<string, unknown> | null> {
  const { status, json } = await requestJson(ctx, `${ACTIVITY_URL}/${id}`, {
    what: "activity",
    okStatuses: [404],
    headers: { Authorization: `Bearer ${tokens.accessToken}` },
    secrets: [tokens.accessToken],
  });
  if (status === 404) return null;
  if (!isObject(json)) throw new WebhookParseError("strava: the activity answer is not an object");
  return json;
}
