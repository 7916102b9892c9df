import { errorPage, escapeHtml, page } from "../../html";
import { randomHex } from "../../ids";
import { bearerToken, html, json, redirect, type RequestContext, type RouteSpec, type SimResponse } from "../../router";
import type { SimulatorState } from "../../state";

/**
 * Beeminder (beeminder.md B): the app authorization page (`/apps/authorize`, response_type=token,
 * the token and username come back in the redirect's query), `users/me`, goals, and datapoints with
 * `requestid` as an upsert key scoped to the goal (identical → ignored, different → updated,
 * unknown → created). Tokens are simulator grants, so `/__admin/tokens/revoke` makes them 401.
 */

export const HOST = "www.beeminder.com";
const PROVIDER = "beeminder";

/** The app's registered redirect URL: any loopback port, its Beeminder callback path. */
const REDIRECT_URI = /^http:\/\/(localhost|127\.0\.0\.1|\[::1\]):\d{1,5}\/api\/beeminder\/callback$/;
const ACCOUNT = /^[a-z0-9_]{1,32}$/i;

export type SimDatapoint = {
  id: string;
  timestamp: number;
  daystamp: string;
  value: number;
  comment: string;
  requestid: string | null;
  updated_at: number;
  created_at: number;
  origin: string;
};

export type SimGoal = {
  slug: string;
  id: string;
  title: string;
  goal_type: string;
  gunits: string;
  /** Seconds from midnight; −17 h … +6 h (B.5). */
  deadline: number;
  datapoints: SimDatapoint[];
};

export type SimBeeminderUser = { username: string; timezone: string; updated_at: number; goals: Map<string, SimGoal> };

function defaultGoals(username: string): SimGoal[] {
  const goal = (slug: string, title: string, goal_type: string, gunits: string, deadline: number): SimGoal => ({
    slug,
    id: randomHex(12),
    title,
    goal_type,
    gunits,
    deadline,
    datapoints: [],
  });
  void username;
  return [
    goal("weighin", "Weigh in more often", "hustler", "weigh-ins", 0),
    goal("bp", "Measure blood pressure", "hustler", "measurements", 0),
    goal("nightowl", "Weigh in (3am deadline)", "hustler", "weigh-ins", 3 * 3600),
    goal("earlybird", "Weigh in (noon deadline)", "hustler", "weigh-ins", -12 * 3600),
    goal("weight", "Lose weight", "fatloser", "kg", 0),
    goal("steps", "Walk more", "hustler", "steps", 0),
  ];
}

/** The simulated Beeminder user (created with default goals on first use; tests adjust it in place). */
export function beeminderUser(state: SimulatorState, username: string): SimBeeminderUser {
  const users = state.bag<SimBeeminderUser>(PROVIDER);
  let user = users.get(username);
  if (!user) {
    user = { username, timezone: "America/New_York", updated_at: Math.floor(state.now() / 1000), goals: new Map() };
    for (const g of defaultGoals(username)) user.goals.set(g.slug, g);
    users.set(username, user);
  }
  return user;
}

const unauthorized = (): SimResponse => json(401, { errors: { token: "invalid or revoked access_token" } });

/** OAuth client tokens: `access_token` parameter or `Authorization: Bearer` (B.1). */
function authUser(ctx: RequestContext): SimBeeminderUser | SimResponse {
  const token = ctx.query.get("access_token") ?? ctx.form.get("access_token") ?? bearerToken(ctx);
  const check = ctx.state.checkAccessToken(PROVIDER, token);
  if (!check.ok) return unauthorized();
  const user = beeminderUser(ctx.state, check.grant.account);
  const named = ctx.params.user;
  if (named && named !== "me" && named !== user.username) return json(401, { errors: { token: "not authorized for this user" } });
  return user;
}

function goalJson(g: SimGoal) {
  return {
    slug: g.slug,
    id: g.id,
    title: g.title,
    goal_type: g.goal_type,
    gunits: g.gunits,
    deadline: g.deadline,
    kyoom: g.goal_type === "hustler",
    aggday: g.goal_type === "hustler" ? "sum" : "min",
    numpts: g.datapoints.length,
    autodata: null,
  };
}

function userGoal(ctx: RequestContext): { user: SimBeeminderUser; goal: SimGoal } | SimResponse {
  const user = authUser(ctx);
  if ("status" in user) return user;
  const goal = user.goals.get(ctx.params.goal);
  if (!goal) return json(404, { errors: { message: `no goal ${ctx.params.goal}` } });
  return { user, goal };
}

function ymdInZone(ms: number, timeZone: string): string {
  const parts = new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).formatToParts(ms);
  const get = (t: string) => parts.find((p) => p.type === t)!.value;
  return `${get("year")}${get("month")}${get("day")}`;
}

/** A day's noon in UTC as the timestamp of a daystamp-only point. */
const daystampTimestamp = (d: string) => Date.UTC(+d.slice(0, 4), +d.slice(4, 6) - 1, +d.slice(6, 8), 12) / 1000;

type Input = { value?: unknown; timestamp?: unknown; daystamp?: unknown; comment?: unknown; requestid?: unknown };

/** B.4: timestamp wins over daystamp; requestid upserts. `outcome` says which of the three happened. */
function upsert(
  state: SimulatorState,
  user: SimBeeminderUser,
  goal: SimGoal,
  input: Input,
): { ok: true; point: SimDatapoint; outcome: "created" | "updated" | "duplicate" } | { ok: false; error: string } {
  const value = typeof input.value === "string" ? Number(input.value) : input.value;
  if (typeof value !== "number" || !Number.isFinite(value)) return { ok: false, error: "value is required and must be a number" };
  const ts = input.timestamp === undefined || input.timestamp === "" ? undefined : Number(input.timestamp);
  if (ts !== undefined && !Number.isFinite(ts)) return { ok: false, error: "timestamp must be unix seconds" };
  const daystamp = typeof input.daystamp === "string" && input.daystamp ? input.daystamp : undefined;
  if (daystamp !== undefined && !/^\d{8}$/.test(daystamp)) return { ok: false, error: "daystamp must be YYYYMMDD" };
  const comment = input.comment === undefined ? "" : String(input.comment);
  const requestid = input.requestid === undefined || input.requestid === "" ? null : String(input.requestid);
  const nowS = Math.floor(state.now() / 1000);
  const dayOf = (t: number) => ymdInZone((t - goal.deadline) * 1000, user.timezone);

  const existing = requestid ? goal.datapoints.find((p) => p.requestid === requestid) : undefined;
  if (existing) {
    const timestamp = ts ?? (daystamp ? daystampTimestamp(daystamp) : existing.timestamp);
    const day = ts !== undefined ? dayOf(ts) : (daystamp ?? existing.daystamp);
    if (existing.value === value && existing.comment === comment && existing.daystamp === day && existing.timestamp === timestamp) {
      return { ok: true, point: existing, outcome: "duplicate" };
    }
    Object.assign(existing, { value, comment, daystamp: day, timestamp, updated_at: nowS });
    user.updated_at = nowS;
    return { ok: true, point: existing, outcome: "updated" };
  }
  const timestamp = ts ?? (daystamp ? daystampTimestamp(daystamp) : nowS);
  const point: SimDatapoint = {
    id: randomHex(12),
    timestamp,
    daystamp: ts !== undefined ? dayOf(ts) : (daystamp ?? dayOf(timestamp)),
    value,
    comment,
    requestid,
    updated_at: nowS,
    created_at: nowS,
    origin: "api",
  };
  goal.datapoints.push(point);
  user.updated_at = nowS;
  return { ok: true, point, outcome: "created" };
}

function consent(query: URLSearchParams, message?: string): string {
  const hidden = ["client_id", "redirect_uri", "response_type"]
    .map((k) => `<input type="hidden" name="${k}" value="${escapeHtml(query.get(k) ?? "")}">`)
    .join("\n");
  return page(
    "Authorize app · Beeminder",
    `<h1>Beeminder</h1>
<p>Authorize the app to read your goals and add datapoints.</p>
${message ? `<p class="error" role="alert">${escapeHtml(message)}</p>` : ""}
<form method="post" action="/${HOST}/apps/authorize">
${hidden}
<label>Account <input type="text" name="account" autocomplete="username"></label>
<button type="submit" name="decision" value="approve">Authorize</button>
<button type="submit" name="decision" value="deny">Cancel</button>
</form>`,
  );
}

function validateAuthorize(state: SimulatorState, p: URLSearchParams): string | null {
  const client = state.clients[PROVIDER];
  if (!client || p.get("client_id") !== client.clientId) return "unknown client_id";
  if (p.get("response_type") !== "token") return "response_type must be token";
  const uri = p.get("redirect_uri") ?? "";
  if (!REDIRECT_URI.test(uri) && !state.isRedirectUriAllowed(uri)) return "redirect_uri does not match the app's registered redirect URL";
  return null;
}

export const beeminderRoutes: RouteSpec[] = [
  {
    method: "GET",
    host: HOST,
    path: "/apps/authorize",
    name: "authorize",
    handler: (ctx) => {
      const problem = validateAuthorize(ctx.state, ctx.query);
      return problem ? html(400, errorPage("Beeminder", problem)) : html(200, consent(ctx.query));
    },
  },
  {
    method: "POST",
    host: HOST,
    path: "/apps/authorize",
    name: "authorize:submit",
    handler: (ctx) => {
      const problem = validateAuthorize(ctx.state, ctx.form);
      if (problem) return html(400, errorPage("Beeminder", problem));
      const redirectUri = ctx.form.get("redirect_uri")!;
      if (ctx.form.get("decision") !== "approve") {
        ctx.count("authorize:deny");
        // What Beeminder does on cancel is not documented: the user simply returns without a token.
        return redirect(redirectUri);
      }
      const account = (ctx.form.get("account") ?? "").trim();
      if (!ACCOUNT.test(account)) return html(400, consent(ctx.form, "Account must be 1–32 letters, digits or _"));
      const grant = ctx.state.createGrant({ provider: PROVIDER, clientId: ctx.form.get("client_id")!, account, userId: account, scopes: [] });
      const token = ctx.state.issueAccessToken(grant, null);
      beeminderUser(ctx.state, account);
      ctx.count("authorize:approve");
      const to = new URL(redirectUri);
      to.searchParams.set("access_token", token.token);
      to.searchParams.set("username", account);
      return redirect(to.toString());
    },
  },
  {
    method: "GET",
    host: HOST,
    path: "/api/v1/users/:user.json",
    name: "user",
    handler: (ctx) => {
      const user = authUser(ctx);
      if ("status" in user) return user;
      return json(200, { username: user.username, timezone: user.timezone, updated_at: user.updated_at, goals: [...user.goals.keys()] });
    },
  },
  {
    method: "GET",
    host: HOST,
    path: "/api/v1/users/:user/goals.json",
    name: "goals",
    handler: (ctx) => {
      const user = authUser(ctx);
      if ("status" in user) return user;
      return json(200, [...user.goals.values()].map(goalJson));
    },
  },
  {
    method: "GET",
    host: HOST,
    path: "/api/v1/users/:user/goals/:goal/datapoints.json",
    name: "datapoints",
    handler: (ctx) => {
      const r = userGoal(ctx);
      if ("status" in r) return r;
      return json(200, [...r.goal.datapoints].reverse());
    },
  },
  {
    method: "POST",
    host: HOST,
    path: "/api/v1/users/:user/goals/:goal/datapoints.json",
    name: "datapoint:create",
    handler: (ctx) => {
      const r = userGoal(ctx);
      if ("status" in r) return r;
      const input = (ctx.json as Input | undefined) ?? Object.fromEntries(ctx.form);
      const res = upsert(ctx.state, r.user, r.goal, input);
      if (!res.ok) return json(422, { errors: { value: res.error } });
      ctx.count(`datapoint:${res.outcome}`);
      return json(200, res.point);
    },
  },
  {
    method: "POST",
    host: HOST,
    path: "/api/v1/users/:user/goals/:goal/datapoints/create_all.json",
    name: "datapoints:create_all",
    handler: (ctx) => {
      const r = userGoal(ctx);
      if ("status" in r) return r;
      const raw = ctx.form.get("datapoints") ?? (ctx.json as { datapoints?: unknown } | undefined)?.datapoints;
      let list: unknown;
      try {
        list = typeof raw === "string" ? JSON.parse(raw) : raw;
      } catch {
        return json(400, { errors: { datapoints: "not a JSON array" } });
      }
      if (!Array.isArray(list)) return json(400, { errors: { datapoints: "datapoints must be a JSON array" } });
      const successes: SimDatapoint[] = [];
      const errors: Array<{ datapoint: unknown; errors: string }> = [];
      for (const item of list) {
        const res = item && typeof item === "object" ? upsert(ctx.state, r.user, r.goal, item as Input) : ({ ok: false, error: "not an object" } as const);
        if (res.ok) {
          ctx.count(`datapoint:${res.outcome}`);
          successes.push(res.point);
        } else errors.push({ datapoint: item, errors: res.error });
      }
      // B.4: the list of datapoints, or on any error an object with `successes` and `errors`.
      return errors.length ? json(422, { successes, errors }) : json(200, successes);
    },
  },
];
