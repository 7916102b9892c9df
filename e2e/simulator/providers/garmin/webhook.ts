import { z } from "zod";
import { randomHex } from "../../ids";
import { garminRecords } from "./data";
import { authenticate, garminUserId } from "./oauth";
import { empty, json, type RequestContext, type RouteSpec, type SimResponse } from "../../router";
import type { Grant, SimulatorState } from "../../state";
import { badAdminRequest, bagged, epochSeconds, grantOf, zodProblems, type SimWebhook } from "../../webhooks/common";
import { appWebhookUrl, later, NoWebhookTargetError, send, type Delivery } from "../../webhooks/delivery";

/**
 * Garmin push and ping (providers.md §2). Per summary type the app is configured (Garmin's endpoint
 * tool; here `POST /__admin/webhooks/garmin/mode`) for `push` — the body carries the records — or
 * `ping` — each item carries a `callbackURL` the app fetches with the user's credentials. The URL
 * of every type is set in Garmin's portal, so the simulator sends to the admin target, with the
 * `garmin-client-id` header of the app that holds the user's grant. Deregistrations and permission
 * changes are ping-only items.
 *
 * Backfill: `GET /wellness-api/rest/backfill/{type}?summaryStartTimeInSeconds&summaryEndTimeInSeconds`
 * → 202 at once (409 for a repeated window; 400 past 30 days for activities, 90 for health), then
 * the window's data is pushed (or pinged) to the app.
 * `GET /wellness-api/rest/user/permissions` answers the grant's toggles (providers.md §2).
 * UNCONFIRMED: error bodies, the ping `token` parameter, callbacks served once per ping for 24 h.
 */

const APIS = "apis.garmin.com";
const REST = "/wellness-api/rest";
export const GARMIN_SUMMARY_TYPES = ["activities", "dailies", "sleeps", "bodyComps", "hrv"] as const;
type SummaryType = (typeof GARMIN_SUMMARY_TYPES)[number];
const MAX_DAYS: Record<SummaryType, number> = { activities: 30, dailies: 90, sleeps: 90, bodyComps: 90, hrv: 90 };
const CALLBACK_TTL_MS = 24 * 3_600_000;

type Ping = { token: string; userId: string; type: SummaryType; records: unknown[]; createdAt: number };
const garminState = (state: SimulatorState) =>
  bagged(state, "garmin", () => ({
    mode: {} as Partial<Record<SummaryType, "push" | "ping">>,
    pings: new Map<string, Ping>(),
    backfills: new Set<string>(),
  }));

export function setGarminMode(state: SimulatorState, type: SummaryType, mode: "push" | "ping"): void {
  garminState(state).mode[type] = mode;
}

/** The client id Garmin puts in `garmin-client-id`: the app that holds the user's grant. */
function clientIdFor(state: SimulatorState, grant: Grant | undefined): string {
  return grant?.clientId ?? state.clients.garmin.clientId;
}

/**
 * Items carry the user's access token (`userAccessToken`), as Garmin's OAuth 1.0a items do; for
 * OAuth 2.0 grants the simulator sends the grant's latest access token the same way (the app
 * stores pushed records only with it; see GARMIN_PUSH_NEEDS_TOKEN in the app).
 */
function tokenFields(state: SimulatorState, grant: Grant | undefined): Record<string, string> {
  if (!grant) return {};
  const token = state.connections({ provider: "garmin", account: grant.account }).find((c) => c.grantId === grant.id)?.accessToken;
  return token ? { userAccessToken: token } : {};
}

/** What `GET /user/permissions` answers for a grant: the toggles the user left on. */
export const garminPermissions = (grant: Grant): string[] =>
  Array.isArray(grant.extra.permissions) ? (grant.extra.permissions as string[]) : ["ACTIVITY_EXPORT", "HEALTH_EXPORT"];

async function post(state: SimulatorState, grant: Grant | undefined, kind: string, payload: unknown): Promise<Delivery> {
  const url = appWebhookUrl(state, "garmin");
  if (!url) throw new NoWebhookTargetError();
  const headers = { "content-type": "application/json", "garmin-client-id": clientIdFor(state, grant) };
  return send(state, { provider: "garmin", kind, url, headers, body: JSON.stringify(payload) });
}

/** Sends records of one type as Garmin would: the records themselves (push) or a callback (ping). */
export async function deliverSummaries(
  state: SimulatorState,
  account: string,
  type: SummaryType,
  records: unknown[],
  window: { from: number; to: number },
  kind = "notice",
): Promise<Delivery[]> {
  if (records.length === 0) return [];
  const grant = grantOf(state, "garmin", account);
  const userId = garminUserId(account);
  const extra = tokenFields(state, grant);
  if ((garminState(state).mode[type] ?? "push") === "push") {
    return [await post(state, grant, kind, { [type]: records.map((r) => ({ userId, ...extra, ...(r as object) })) })];
  }
  const token = randomHex(16);
  garminState(state).pings.set(token, { token, userId, type, records, createdAt: state.now() });
  const callbackURL = `https://${APIS}${REST}/${type}?uploadStartTimeInSeconds=${window.from}&uploadEndTimeInSeconds=${window.to}&token=${token}`;
  return [
    await post(state, grant, kind, {
      [type]: [{ userId, ...extra, uploadStartTimeInSeconds: window.from, uploadEndTimeInSeconds: window.to, callbackURL }],
    }),
  ];
}

/** Serves a ping's callbackURL: the records, to the same user only, within 24 h. */
function callbackRoute(type: SummaryType): RouteSpec {
  return {
    method: "GET",
    host: APIS,
    path: `${REST}/${type}`,
    name: `ping:${type}`,
    handler: (ctx) => {
      const auth = authenticate(ctx);
      if (!auth.ok) return auth.response;
      const ping = garminState(ctx.state).pings.get(ctx.query.get("token") ?? "");
      if (!ping || ping.type !== type || ping.userId !== auth.grant.userId || ctx.state.now() - ping.createdAt > CALLBACK_TTL_MS) {
        return json(400, { errorMessage: "unknown or expired callback token" });
      }
      return json(200, ping.records.map((r) => ({ userId: ping.userId, ...(r as object) })));
    },
  };
}

function backfill(ctx: RequestContext): SimResponse {
  const auth = authenticate(ctx);
  if (!auth.ok) return auth.response;
  const type = ctx.params.type as SummaryType;
  if (!(GARMIN_SUMMARY_TYPES as readonly string[]).includes(type)) return json(400, { errorMessage: `unknown summary type ${type}` });
  const from = Number(ctx.query.get("summaryStartTimeInSeconds"));
  const to = Number(ctx.query.get("summaryEndTimeInSeconds"));
  if (!Number.isInteger(from) || !Number.isInteger(to) || from >= to) return json(400, { errorMessage: "summaryStartTimeInSeconds/summaryEndTimeInSeconds are invalid" });
  if (to - from > MAX_DAYS[type] * 86_400) return json(400, { errorMessage: `a ${type} backfill spans at most ${MAX_DAYS[type]} days` });
  const key = `${auth.grant.userId}:${type}:${from}:${to}`;
  const g = garminState(ctx.state);
  if (g.backfills.has(key)) return json(409, { errorMessage: "duplicate backfill request" });
  g.backfills.add(key);
  ctx.count(`backfill:${type}`);
  const account = auth.grant.account;
  // Answered at once; the data follows as Garmin would send it, through the webhook.
  later(ctx.state, async () => {
    const records = garminRecords(account, type, new Date(from * 1000), new Date(to * 1000));
    await deliverSummaries(ctx.state, account, type, records, { from, to }, "backfill");
  }, 10);
  return empty(202);
}

const input = z.discriminatedUnion("kind", [
  z
    .object({
      kind: z.literal("push"),
      summaryType: z.enum(GARMIN_SUMMARY_TYPES).default("activities"),
      records: z.array(z.record(z.string(), z.unknown())).optional(),
      from: z.number().int().optional(),
      to: z.number().int().optional(),
    })
    .strict(),
  z.object({ kind: z.literal("deregistration") }).strict(),
  z.object({ kind: z.literal("permissions"), permissions: z.array(z.string()).default(["ACTIVITY_EXPORT", "HEALTH_EXPORT"]) }).strict(),
]);

export const garminWebhooks: SimWebhook<z.infer<typeof input>> = {
  provider: "garmin",
  admin: {
    /** `POST /__admin/webhooks/garmin/mode {summaryType, mode}`: the endpoint tool's push/ping switch. */
    "POST /mode": (state, body) => {
      const r = z.object({ summaryType: z.enum(GARMIN_SUMMARY_TYPES), mode: z.enum(["push", "ping"]) }).strict().safeParse(body ?? {});
      if (!r.success) return badAdminRequest(zodProblems(r.error));
      setGarminMode(state, r.data.summaryType, r.data.mode);
      return json(200, { ok: true });
    },
  },
  input,
  routes: [
    { method: "GET", host: APIS, path: `${REST}/backfill/:type`, name: "backfill", handler: backfill },
    {
      method: "GET",
      host: APIS,
      path: `${REST}/user/permissions`,
      name: "user/permissions",
      handler: (ctx) => {
        const auth = authenticate(ctx);
        return auth.ok ? json(200, garminPermissions(auth.grant)) : auth.response;
      },
    },
    ...GARMIN_SUMMARY_TYPES.map(callbackRoute),
  ],
  async deliver(state, account, i) {
    const grant = grantOf(state, "garmin", account);
    const userId = garminUserId(account);
    // As at Garmin, the notice follows the change: the user removed the app (its tokens die) or
    // changed the toggles (GET /user/permissions answers the new list).
    if (i.kind === "deregistration") {
      const fields = tokenFields(state, grant);
      if (grant) state.revokeGrant(grant.id);
      return [await post(state, grant, "notice", { deregistrations: [{ userId, ...fields }] })];
    }
    if (i.kind === "permissions") {
      if (grant) grant.extra.permissions = i.permissions;
      const item = { userId, ...tokenFields(state, grant), summaryId: `x${randomHex(4)}`, permissions: i.permissions, changeTimeInSeconds: epochSeconds(state) };
      return [await post(state, grant, "notice", { userPermissionsChange: [item] })];
    }
    const to = i.to ?? epochSeconds(state);
    const from = i.from ?? to - 86_400;
    const records = i.records ?? garminRecords(account, i.summaryType, new Date(from * 1000), new Date(to * 1000));
    return deliverSummaries(state, account, i.summaryType, records, { from, to });
  },
  async onDataChange(state, change) {
    if (!(GARMIN_SUMMARY_TYPES as readonly string[]).includes(change.resource) || change.kind === "deleted") return [];
    const window = { from: Math.floor(change.from.getTime() / 1000), to: Math.floor(change.to.getTime() / 1000) };
    return deliverSummaries(state, change.account, change.resource as SummaryType, change.records, window);
  },
};
