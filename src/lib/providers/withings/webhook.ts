import { z } from "zod";
import { InvalidGrantError, ProviderError, safeReason } from "../shared/errors";
import { WebhookParseError, type ProviderContext, type TokenSet, type WebhookNotice, type WebhookSpec } from "../types";
import { contentKey, dayWindow, secondsWindow } from "../shared/webhook";

/**
 * Withings data-update notifications (providers.md §8). After a connect the user is subscribed per
 * `appli` (`POST /notify action=subscribe`, Bearer) with the callback `<APP_URL>/api/webhooks/withings`;
 * disconnecting revokes those subscriptions. Notices are form-encoded `userid, appli, startdate,
 * enddate` (or `date`, `action`), unsigned, and must get 200 within 2 s. With no signature, a notice
 * is acted on only for a known user AND an appli that user is subscribed to (46 always: user events),
 * and an unlink only once Withings itself refuses the connection's token (`confirmWithingsRevoked`).
 */

export const NOTIFY_URL = "https://wbsapi.withings.net/notify";
/** The codes the app subscribes to after a connect. */
export const WITHINGS_SUBSCRIBED_APPLIS = [1, 4, 16, 44] as const;
/** User events (unlink, delete): delivered to every app the user had linked. */
const USER_EVENTS = 46;
/**
 * appli → sync resources (src/lib/sync/fetchers/withings.ts), per the official codes:
 * 1 weight and body composition, 4 blood pressure / heart rate / SpO2 (both getmeas measures),
 * 16 activity and workouts, 44 sleep.
 */
export const WITHINGS_APPLI_RESOURCES: Record<number, string[]> = {
  1: ["measures"],
  4: ["measures"],
  16: ["activity", "workouts"],
  44: ["sleep_summary"],
};
/** Withings calls the callback once when subscribing (UNCONFIRMED): GET/HEAD answered 200, nothing stored. */
export const WITHINGS_ANSWERS_TEST_CALL = true;

/** What connection meta records about the notify subscriptions. */
export type WithingsNotifyMeta = { callbackUrl: string; applis: number[]; error?: string };

const int = z.coerce.number().int().nonnegative();
const notice = z.object({
  userid: z.string().regex(/^\d{1,20}$/),
  appli: int.max(1000),
  startdate: int.optional(),
  enddate: int.optional(),
  date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional(),
  action: z.string().max(32).optional(),
  deviceid: z.string().max(128).optional(),
});

function parseForm(rawBody: Buffer): z.infer<typeof notice> {
  const form = new URLSearchParams(rawBody.toString("utf8"));
  const r = notice.safeParse(Object.fromEntries(form));
  if (!r.success) {
    throw new WebhookParseError(`withings notice: ${r.error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`).join("; ")}`);
  }
  return r.data;
}

function actionOf(n: z.infer<typeof notice>): WebhookNotice["action"] {
  if (n.appli === USER_EVENTS) {
    return n.action === "unlink" || n.action === "delete"
      ? { kind: "revoke", reason: `the user ${n.action === "delete" ? "deleted their Withings account" : "unlinked Healthbridge on Withings"}`, confirm: true }
      : { kind: "none", reason: `user event ${n.action ?? "(no action)"}` };
  }
  const resources = WITHINGS_APPLI_RESOURCES[n.appli];
  if (!resources) return { kind: "none", reason: `appli ${n.appli} is not synced` };
  if (n.startdate !== undefined && n.enddate !== undefined) return { kind: "sync", resources, ...secondsWindow(n.startdate, n.enddate) };
  if (n.date) return { kind: "sync", resources, ...dayWindow(n.date) };
  return { kind: "none", reason: `appli ${n.appli} notice without startdate/enddate or date` };
}

export const withingsWebhook: WebhookSpec = {
  ackStatus: 200,
  rejectStatus: 400,
  deadlineMs: 2_000,
  handshake(req) {
    return WITHINGS_ANSWERS_TEST_CALL && (req.method === "GET" || req.method === "HEAD") ? { status: 200 } : null;
  },
  // Unsigned by Withings; see accepts().
  verify: () => ({ ok: true }),
  parse(req) {
    const n = parseForm(req.rawBody);
    return [
      {
        providerUserId: n.userid,
        dedupeKey: contentKey(n.userid, n.appli, n.startdate ?? null, n.enddate ?? null, n.date ?? null, n.action ?? null),
        // "data changed in this window": the same notice after processing started may mean new data.
        replay: "state",
        body: req.rawBody.toString("utf8"),
        action: actionOf(n),
        facts: { appli: n.appli },
      },
    ];
  },
  accepts(notice, connection) {
    const appli = Number(notice.facts?.appli);
    if (appli === USER_EVENTS) return undefined;
    const subscribed = (connection.meta.withingsNotify as WithingsNotifyMeta | undefined)?.applis ?? [];
    return subscribed.includes(appli) ? undefined : `the user is not subscribed to appli ${appli}`;
  },
};

// ───────────────────────── subscriptions (called by the Withings definition) ─────────────────────────

/** `withingsCall` of the Withings definition, passed in (no import cycle). */
export type WithingsCall = (
  ctx: ProviderContext,
  url: string,
  params: Record<string, string | undefined>,
  opts: { what: string; bearer?: string },
) => Promise<Record<string, unknown>>;

export const withingsCallbackUrl = (ctx: ProviderContext) => `${ctx.appUrl}/api/webhooks/withings`;

/**
 * Subscribes the user to 1, 4, 16 and 44 after a connect. Best effort: a refusal is kept in
 * `meta.withingsNotify.error` (scheduled syncs still bring the data), never blocks the connect.
 */
export async function subscribeWithingsNotify(ctx: ProviderContext, tokens: TokenSet, call: WithingsCall): Promise<TokenSet> {
  const callbackUrl = withingsCallbackUrl(ctx);
  const applis: number[] = [];
  let error: string | undefined;
  for (const appli of WITHINGS_SUBSCRIBED_APPLIS) {
    try {
      await call(ctx, NOTIFY_URL, { action: "subscribe", callbackurl: callbackUrl, appli: String(appli), comment: "Healthbridge" }, {
        what: `notify subscribe (appli ${appli})`,
        bearer: tokens.accessToken,
      });
      applis.push(appli);
    } catch (e) {
      error = e instanceof ProviderError ? safeReason(e.message, [tokens.accessToken]) : "notify subscribe failed";
      console.warn(`[webhooks] withings: ${error}`);
    }
  }
  const notify: WithingsNotifyMeta = { callbackUrl, applis, ...(error ? { error } : {}) };
  return { ...tokens, meta: { ...tokens.meta, withingsNotify: notify } };
}

/**
 * Whether an unlink really happened: `notify action=list` with the user's token, the cheapest call
 * that needs it. An auth status (401 …, InvalidGrantError) = the token is dead; an answer = still linked.
 */
export async function confirmWithingsRevoked(ctx: ProviderContext, tokens: TokenSet, call: WithingsCall): Promise<boolean> {
  try {
    await call(ctx, NOTIFY_URL, { action: "list" }, { what: "notify list", bearer: tokens.accessToken });
    return false;
  } catch (e) {
    if (e instanceof InvalidGrantError) return true;
    throw e;
  }
}

/** Revokes the notify subscriptions made at connect (before the grant itself is revoked). Best effort. */
export async function revokeWithingsNotify(ctx: ProviderContext, tokens: TokenSet, call: WithingsCall): Promise<void> {
  const recorded = tokens.meta?.withingsNotify as WithingsNotifyMeta | undefined;
  const callbackUrl = recorded?.callbackUrl ?? withingsCallbackUrl(ctx);
  for (const appli of recorded?.applis ?? WITHINGS_SUBSCRIBED_APPLIS) {
    try {
      await call(ctx, NOTIFY_URL, { action: "revoke", callbackurl: callbackUrl, appli: String(appli) }, {
        what: `notify revoke (appli ${appli})`,
        bearer: tokens.accessToken,
      });
    } catch (e) {
      console.warn(`[webhooks] withings: ${e instanceof ProviderError ? safeReason(e.message, [tokens.accessToken]) : "notify revoke failed"}`);
    }
  }
}
