import { z } from "zod";
import { ProviderError, safeReason } from "../shared/errors";
import { requestJson } from "../shared/oauth2";
import type { OAuth2Flow, ProviderContext, TokenSet, WebhookNotice, WebhookSpec } from "../types";
import { constantTimeEqual, contentKey, dayWindow, hmac, parseJsonBody } from "../shared/webhook";

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
  activities: ["activities", "steps", "heart"],
  sleep: ["sleep"],
  body: ["weight", "fat"],
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
  keptHeaders: ["x-fitbit-signature"],
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

// ───────────────────────── per-user subscription (after connect) ─────────────────────────

const SUBSCRIPTIONS_URL = "https://api.fitbit.com/1/user/-/apiSubscriptions";

/**
 * Fitbit notifies only for users subscribed by the app: after the connect, subscribe the user to
 * every collection (`POST /1/user/-/apiSubscriptions/<id>.json`, id = our user id, ≤ 50 chars).
 * Best effort: a refusal is kept in `meta.fitbitSubscription.error`; scheduled syncs still run.
 */
export async function subscribeFitbitUser(ctx: ProviderContext, tokens: TokenSet): Promise<TokenSet> {
  const id = (ctx.userId ?? tokens.providerUserId ?? "").slice(0, 50);
  if (!id) return tokens;
  let record: Record<string, string>;
  try {
    await requestJson(ctx, `${SUBSCRIPTIONS_URL}/${encodeURIComponent(id)}.json`, {
      method: "POST",
      headers: { Authorization: `Bearer ${tokens.accessToken}` },
      what: "subscription",
      okStatuses: [409], // already subscribed under this id
      secrets: [tokens.accessToken],
    });
    record = { id };
  } catch (error) {
    if (!(error instanceof ProviderError)) throw error;
    record = { id, error: safeReason(error.message, [tokens.accessToken]) };
    console.warn(`[webhooks] fitbit: ${record.error}`);
  }
  return { ...tokens, meta: { ...tokens.meta, fitbitSubscription: record } };
}

/** The Fitbit OAuth flow with the subscription step after its own post-connect step. */
export function withFitbitSubscription(flow: OAuth2Flow): OAuth2Flow {
  return {
    ...flow,
    async onConnected(ctx, tokens) {
      const connected = (await flow.onConnected?.(ctx, tokens)) ?? tokens;
      return subscribeFitbitUser(ctx, connected);
    },
  };
}
