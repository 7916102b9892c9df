import { z } from "zod";
import { garminRequest } from "./auth";
import { garminTransforms } from "./transform";
import { WebhookParseError, type ProviderContext, type TokenSet, type WebhookNotice, type WebhookSpec } from "../types";
import { constantTimeEqual, contentKey, parseJsonBody } from "../shared/webhook";

/**
 * Garmin push and ping (providers.md §2). Garmin does not allow pull-only integrations: a Garmin
 * connection gets its data only here. Per summary type, the app is configured (Garmin's endpoint
 * tool) for `push` — the body carries the records, normalized directly — or `ping` — each item
 * carries a `callbackURL`, fetched with the connection's (OAuth 1.0a-signed or Bearer) credentials.
 * Deregistrations and user permission changes are ping-only items without data.
 *
 * Nothing is signed: the `garmin-client-id` header must be our client id (OAuth 2.0) or consumer
 * key (OAuth 1.0a), but that id is public. So each item is matched to a known Garmin user id and
 * then trusted only through what Garmin alone knows or answers:
 * - pushed records only when the item's `userAccessToken` is the connection's stored access token
 *   (a secret only Garmin and we hold); OAuth 1.0a items must carry it whatever their kind;
 * - a ping's callbackURL is followed only on Garmin's own API host, with our credentials, so the
 *   records come from Garmin itself;
 * - a deregistration revokes only once Garmin refuses the token, a permission change stores what
 *   `GET /user/permissions` answers, not the notice's list.
 * UNCONFIRMED: Garmin's OAuth 2.0 migration note says notices of migrated apps stop carrying
 * `userAccessToken`; such an app must set its summary types to ping (GARMIN_PUSH_NEEDS_TOKEN).
 * Reply 200 within 30 s; bodies can be large (Activity Details up to 100 MB).
 */

const CLIENT_ID_VARS = ["GARMIN_CLIENT_ID", "GARMIN_CONSUMER_KEY"];
const API_ORIGIN = "https://apis.garmin.com";
const WELLNESS_PATH = "/wellness-api/rest/";
const BACKFILL_URL = `${API_ORIGIN}${WELLNESS_PATH}backfill`;
const PERMISSIONS_URL = `${API_ORIGIN}${WELLNESS_PATH}user/permissions`;
/** Pushed records are stored only with the connection's own token in the item (see above). */
export const GARMIN_PUSH_NEEDS_TOKEN = true;

/** Summary types whose records become rows (the normalizers' garminTransforms). */
export const GARMIN_SUMMARY_TYPES = ["activities", "dailies", "sleeps", "bodyComps", "hrv"] as const;
type SummaryType = (typeof GARMIN_SUMMARY_TYPES)[number];
const isSummaryType = (key: string): key is SummaryType => (GARMIN_SUMMARY_TYPES as readonly string[]).includes(key);

/** Backfill limits per request: 30 days for activities, 90 days for health summaries. */
const BACKFILL_MAX_DAYS: Record<SummaryType, number> = { activities: 30, dailies: 90, sleeps: 90, bodyComps: 90, hrv: 90 };
/**
 * How much history the initial backfill asks for. Garmin allows more (100 days/min on evaluation
 * keys), but OW reports ~30 days as what works in practice (UNCONFIRMED).
 */
export const GARMIN_INITIAL_BACKFILL_DAYS = 30;

const DAY_MS = 86_400_000;

const item = z.looseObject({
  userId: z.string().min(1).max(128),
  userAccessToken: z.string().max(512).optional(),
  callbackURL: z.string().max(4096).optional(),
});
const body = z.record(z.string().regex(/^[A-Za-z]{1,64}$/), z.array(item).max(100_000));

/** A ping's url, only on Garmin's API host and wellness path. */
function safeCallbackUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new WebhookParseError("garmin ping: callbackURL is not a url");
  }
  if (url.origin !== API_ORIGIN || !url.pathname.startsWith(WELLNESS_PATH) || url.username || url.password) {
    throw new WebhookParseError("garmin ping: callbackURL is not on apis.garmin.com/wellness-api");
  }
  return url.toString();
}

function notices(parsed: z.infer<typeof body>): WebhookNotice[] {
  const out: WebhookNotice[] = [];
  const facts = (i: z.infer<typeof item>) => (i.userAccessToken ? { userAccessToken: i.userAccessToken } : undefined);
  for (const [key, items] of Object.entries(parsed)) {
    const pushed = new Map<string, Array<z.infer<typeof item>>>();
    for (const i of items) {
      const single = (action: WebhookNotice["action"]): WebhookNotice => ({
        providerUserId: i.userId,
        dedupeKey: contentKey(key, i),
        replay: "event",
        body: JSON.stringify({ [key]: [i] }),
        action,
        facts: facts(i),
      });
      if (key === "deregistrations") {
        out.push(single({ kind: "revoke", reason: "the user removed Healthbridge from Garmin Connect", confirm: true }));
      } else if (key === "userPermissionsChange") {
        const permissions = Array.isArray(i.permissions) ? i.permissions.filter((p): p is string => typeof p === "string") : [];
        out.push(single({ kind: "permissions", permissions }));
      } else if (i.callbackURL !== undefined) {
        const url = safeCallbackUrl(i.callbackURL);
        out.push(single(isSummaryType(key) ? { kind: "pull", resource: key, url } : { kind: "none", reason: `summary type ${key} is not stored` }));
      } else {
        // Push: one notice per user (and token) and summary type.
        const group = `${i.userId}\u0000${i.userAccessToken ?? ""}`;
        pushed.set(group, [...(pushed.get(group) ?? []), i]);
      }
    }
    for (const records of pushed.values()) {
      const first = records[0];
      out.push({
        providerUserId: first.userId,
        dedupeKey: contentKey(key, records),
        replay: "event", // the records themselves: a replay is the same content
        body: JSON.stringify({ [key]: records }),
        action: isSummaryType(key) ? { kind: "records", resource: key, records } : { kind: "none", reason: `summary type ${key} is not stored` },
        facts: facts(first),
      });
    }
  }
  return out;
}

export const garminWebhook: WebhookSpec = {
  keptHeaders: ["garmin-client-id"],
  ackStatus: 200,
  rejectStatus: 401,
  deadlineMs: 30_000,
  maxBodyBytes: 100 * 1024 * 1024,
  verify(req, secrets) {
    const given = req.headers.get("garmin-client-id");
    const ours = CLIENT_ID_VARS.map((v) => secrets(v)).filter((v): v is string => Boolean(v));
    if (ours.length === 0) return { ok: false, reason: "neither GARMIN_CLIENT_ID nor GARMIN_CONSUMER_KEY is set" };
    if (!given) return { ok: false, reason: "the garmin-client-id header is missing" };
    // Every candidate is compared, so timing does not tell which one matched.
    const matches = ours.map((id) => constantTimeEqual(given, id));
    return matches.some(Boolean) ? { ok: true } : { ok: false, reason: "the garmin-client-id header is not our client id" };
  },
  parse(req) {
    return notices(parseJsonBody(req, body, "garmin notice"));
  },
  accepts(notice, connection) {
    const token = notice.facts?.userAccessToken;
    const needed = connection.authKind === "oauth1" || (GARMIN_PUSH_NEEDS_TOKEN && notice.action.kind === "records");
    if (typeof token !== "string") return needed ? "the item carries no userAccessToken, so it cannot be Garmin's" : undefined;
    return constantTimeEqual(token, connection.accessToken()) ? undefined : "the userAccessToken is not this connection's token";
  },
  async confirmRevoked(ctx, tokens) {
    const { status } = await garminRequest(ctx, tokens, { url: PERMISSIONS_URL, what: "user permissions", okStatuses: [401] });
    return status === 401;
  },
  async fetchPermissions(ctx, tokens) {
    const { json } = await garminRequest(ctx, tokens, { url: PERMISSIONS_URL, what: "user permissions" });
    if (!Array.isArray(json)) throw new WebhookParseError("garmin: user permissions did not answer a list");
    return json.filter((p): p is string => typeof p === "string").slice(0, 32);
  },
  normalize(resource, records) {
    if (!isSummaryType(resource)) return { batch: { activities: [], sleepSessions: [], dailySummaries: [], measurements: [], raw: [] } };
    return garminTransforms[resource](records);
  },
  async pull(ctx, tokens, action) {
    const { json } = await garminRequest(ctx, tokens, { url: safeCallbackUrl(action.url), what: `${action.resource} ping` });
    if (!Array.isArray(json)) throw new WebhookParseError(`garmin ping: the ${action.resource} callback did not answer a list`);
    return json;
  },
  backfill: { days: GARMIN_INITIAL_BACKFILL_DAYS, request: requestGarminBackfill },
};

/**
 * Asks Garmin to push the user's history for [from, to): one `GET /backfill/{type}` per type and
 * per allowed span (→ 202; 409 = already requested). The data arrives later at the webhook.
 * `ctx` is the consumer context for OAuth 1.0a tokens. Returns how many requests were accepted.
 */
export async function requestGarminBackfill(
  ctx: ProviderContext,
  tokens: TokenSet,
  window: { from: Date; to: Date },
  types: readonly SummaryType[] = GARMIN_SUMMARY_TYPES,
): Promise<number> {
  let accepted = 0;
  for (const type of types) {
    const span = BACKFILL_MAX_DAYS[type] * DAY_MS;
    for (let end = window.to.getTime(); end > window.from.getTime(); end -= span) {
      const start = Math.max(window.from.getTime(), end - span);
      const url = `${BACKFILL_URL}/${type}?summaryStartTimeInSeconds=${Math.floor(start / 1000)}&summaryEndTimeInSeconds=${Math.floor(end / 1000)}`;
      const { status } = await garminRequest(ctx, tokens, { url, what: `${type} backfill`, okStatuses: [409] });
      if (status === 202 || status === 200) accepted++;
    }
  }
  return accepted;
}
