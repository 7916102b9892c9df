import { z } from "zod";
import { requireToken } from "../../oauth2";
import { withingsStyle, withingsUserId, WITHINGS_STATUS } from "./oauth";
import { json, type RequestContext, type SimResponse } from "../../router";
import type { SimulatorState } from "../../state";
import { bagged, epochSeconds, type SimWebhook } from "../../webhooks/common";
import { appWebhookUrl, NoWebhookTargetError, send, type Delivery } from "../../webhooks/delivery";

/**
 * Withings notifications (providers.md §8): `POST wbsapi.withings.net/notify` (Bearer) with
 * `action=subscribe|get|list|update|revoke`, per user and `appli`. Notices are POSTed form-encoded:
 * `userid, appli, startdate, enddate` (appli 46: `action=unlink|delete`), unsigned.
 * UNCONFIRMED: the status for an unknown subscription (503 "Invalid Params" here), `expires` (none),
 * no test call to the callback on subscribe.
 */

const HOST = "wbsapi.withings.net";
const APPLIS = [1, 2, 4, 16, 44, 46, 50, 51, 54] as const;

type Subscription = { userId: string; clientId: string; appli: number; callbackurl: string; comment: string };
const subs = (state: SimulatorState) => bagged(state, "withings", () => [] as Subscription[]);

const status = (code: number, body: Record<string, unknown> = {}, error?: string): SimResponse =>
  json(200, error ? { status: code, body, error } : { status: code, body });
const invalid = (error: string) => status(WITHINGS_STATUS.invalidParams, {}, `Invalid Params: ${error}`);

function notify(ctx: RequestContext): SimResponse {
  const p = ctx.form.size ? ctx.form : ctx.query;
  const auth = requireToken(ctx, withingsStyle);
  if (!auth.ok) return auth.response;
  const action = p.get("action");
  ctx.count(`notify:${action ?? "missing"}`);
  const userId = auth.grant.userId;
  const all = subs(ctx.state);
  const appliParam = p.get("appli");
  const appli = appliParam === null ? null : Number(appliParam);
  if (appliParam !== null && !(APPLIS as readonly number[]).includes(appli!)) return invalid(`appli ${appliParam} is not valid`);
  const callbackurl = p.get("callbackurl");
  const find = () => all.find((s) => s.userId === userId && s.appli === appli && s.callbackurl === callbackurl);

  switch (action) {
    case "subscribe": {
      if (!callbackurl || appli === null) return invalid("callbackurl and appli are required");
      try {
        new URL(callbackurl);
      } catch {
        return invalid("callbackurl is not a url");
      }
      if (!find()) all.push({ userId, clientId: auth.grant.clientId, appli, callbackurl, comment: p.get("comment") ?? "" });
      return status(WITHINGS_STATUS.ok);
    }
    case "get": {
      const s = find();
      return s ? status(WITHINGS_STATUS.ok, { callbackurl: s.callbackurl, appli: s.appli, comment: s.comment }) : invalid("no such subscription");
    }
    case "list":
      return status(WITHINGS_STATUS.ok, {
        profiles: all
          .filter((s) => s.userId === userId && (appli === null || s.appli === appli))
          .map((s) => ({ appli: s.appli, callbackurl: s.callbackurl, comment: s.comment, expires: 2147483647 })),
      });
    case "update": {
      const s = find();
      if (!s) return invalid("no such subscription");
      const nextUrl = p.get("new_callbackurl");
      const nextAppli = p.get("new_appli");
      if (nextUrl) s.callbackurl = nextUrl;
      if (nextAppli) s.appli = Number(nextAppli);
      if (p.get("comment") !== null) s.comment = p.get("comment")!;
      return status(WITHINGS_STATUS.ok);
    }
    case "revoke": {
      const s = find();
      if (!s) return invalid("no such subscription");
      all.splice(all.indexOf(s), 1);
      return status(WITHINGS_STATUS.ok);
    }
    default:
      return invalid(`unknown action ${JSON.stringify(action)}`);
  }
}

const input = z
  .object({
    appli: z.number().int().default(1),
    startdate: z.number().int().optional(),
    enddate: z.number().int().optional(),
    date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional(),
    action: z.enum(["unlink", "delete", "update"]).optional(),
  })
  .strict();

async function deliverNotice(state: SimulatorState, account: string, i: z.infer<typeof input>): Promise<Delivery[]> {
  const userId = withingsUserId(account);
  const mine = subs(state).filter((s) => s.userId === userId);
  // User events go to wherever the user is subscribed.
  const sub = mine.find((s) => s.appli === i.appli) ?? (i.appli === 46 ? mine[0] : undefined);
  const url = sub?.callbackurl ?? appWebhookUrl(state, "withings");
  if (!url) throw new NoWebhookTargetError("no Withings subscription and no webhook target");
  const form = new URLSearchParams({ userid: userId, appli: String(i.appli) });
  if (i.appli === 46) {
    form.set("action", i.action ?? "unlink");
    // The notice follows the unlink (or account deletion): the user's tokens are dead by then.
    if ((i.action ?? "unlink") !== "update") for (const g of state.grants.values()) if (g.provider === "withings" && g.userId === userId) state.revokeGrant(g.id);
  }
  else if (i.date) form.set("date", i.date);
  else {
    const end = i.enddate ?? epochSeconds(state);
    form.set("startdate", String(i.startdate ?? end - 3600));
    form.set("enddate", String(end));
  }
  return [
    await send(state, { provider: "withings", kind: "notice", url, headers: { "content-type": "application/x-www-form-urlencoded" }, body: form.toString() }),
  ];
}

/** appli of a data resource (official codes: 1 body, 4 BP/HR/SpO2, 16 activity, 44 sleep). */
const BP_TYPES = new Set([9, 10, 11, 54]);
function appliOf(resource: string, records: unknown[]): number | null {
  if (["activity", "activities", "workouts"].includes(resource)) return 16;
  if (["sleep", "sleep_summary"].includes(resource)) return 44;
  if (["measures", "measurements", "body", "weight"].includes(resource)) {
    const types = records.flatMap((g) => ((g as { measures?: Array<{ type?: number }> }).measures ?? []).map((m) => m.type));
    return types.length > 0 && types.every((t) => BP_TYPES.has(t ?? -1)) ? 4 : 1;
  }
  return null;
}

export const withingsWebhooks: SimWebhook<z.infer<typeof input>> = {
  provider: "withings",
  subscriptions: (state) => withingsSubscriptions(state),
  input,
  routes: [{ method: "POST", host: HOST, path: "/notify", name: "notify", handler: notify }],
  deliver: deliverNotice,
  async onDataChange(state, change) {
    const appli = appliOf(change.resource, change.records);
    const userId = withingsUserId(change.account);
    if (appli === null || !subs(state).some((s) => s.userId === userId && s.appli === appli)) return [];
    return deliverNotice(state, change.account, {
      appli,
      startdate: Math.floor(change.from.getTime() / 1000),
      enddate: Math.floor(change.to.getTime() / 1000),
    });
  },
};

export const withingsSubscriptions = (state: SimulatorState) => subs(state).map((s) => ({ ...s }));
