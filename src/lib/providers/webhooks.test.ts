import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { DEMO_CLIENTS } from "@sim/clients";
import { DEMO_WEBHOOK_SETTINGS } from "@sim/clients";
import { WebhookParseError, type WebhookRequest, type WebhookSecrets, type WebhookSpec } from "./types";
import { corosWebhook } from "./coros/webhook";
import { garminWebhook } from "./garmin/webhook";
import { ouraWebhook } from "./oura/webhook";
import { isoDurationMs, polarWebhook } from "./polar/webhook";
import { constantTimeEqual } from "./shared/webhook";
import { stravaWebhook } from "./strava/webhook";
import { whoopWebhook } from "./whoop/webhook";
import { withingsWebhook } from "./withings/webhook";

/**
 * The per-provider webhook parts on their own: handshakes, signature checks over the raw body (the
 * expected signatures are computed here independently with node:crypto, as each provider documents
 * them) and how bodies become notices.
 */

const vars: Record<string, string> = {
  ...DEMO_WEBHOOK_SETTINGS,
  OURA_CLIENT_SECRET: DEMO_CLIENTS.oura.clientSecret,
  WHOOP_CLIENT_SECRET: DEMO_CLIENTS.whoop.clientSecret,
  COROS_CLIENT_ID: DEMO_CLIENTS.coros.clientId,
  COROS_CLIENT_SECRET: DEMO_CLIENTS.coros.clientSecret,
  GARMIN_CLIENT_ID: DEMO_CLIENTS.garmin.clientId,
};
const secrets: WebhookSecrets = (name) => vars[name];
const none: WebhookSecrets = () => undefined;

function request(init: { method?: string; query?: string; headers?: Record<string, string>; body?: string | Buffer; at?: Date }): WebhookRequest {
  return {
    method: init.method ?? "POST",
    url: new URL(`https://app.example/api/webhooks/x${init.query ?? ""}`),
    headers: new Headers(init.headers ?? {}),
    rawBody: Buffer.isBuffer(init.body) ? init.body : Buffer.from(init.body ?? ""),
    receivedAt: init.at ?? new Date(),
  };
}

/** The value with its last character changed to another digit (a real difference in hex, base64 and text alike). */
const offByOne = (s: string) => s.slice(0, -1) + (s.at(-1)?.toLowerCase() === "0" ? "1" : "0");
const hmac = (alg: string, key: string, data: string) => createHmac(alg, key).update(data).digest();

function expectRejected(spec: WebhookSpec, req: WebhookRequest, reason: RegExp) {
  const v = spec.verify(req, secrets);
  expect(v.ok).toBe(false);
  if (!v.ok) expect(v.reason).toMatch(reason);
}

describe("constantTimeEqual", () => {
  it("compares content and length", () => {
    expect(constantTimeEqual("abc", "abc")).toBe(true);
    expect(constantTimeEqual("abc", "abd")).toBe(false);
    expect(constantTimeEqual("abc", "abcd")).toBe(false);
    expect(constantTimeEqual(null, "abc")).toBe(false);
  });
});

describe("strava", () => {
  const token = DEMO_WEBHOOK_SETTINGS.STRAVA_WEBHOOK_VERIFY_TOKEN;
  it("answers the hub.challenge handshake with the right verify token only", () => {
    const ok = stravaWebhook.handshake!(request({ method: "GET", query: `?hub.mode=subscribe&hub.challenge=c123&hub.verify_token=${token}` }), secrets);
    expect(ok).toEqual({ status: 200, body: { "hub.challenge": "c123" } });
    const wrong = stravaWebhook.handshake!(request({ method: "GET", query: `?hub.mode=subscribe&hub.challenge=c123&hub.verify_token=${offByOne(token)}` }), secrets);
    expect(wrong?.status).toBe(403);
    expect(stravaWebhook.handshake!(request({ method: "GET", query: `?hub.mode=subscribe&hub.challenge=c&hub.verify_token=${token}` }), none)?.status).toBe(403);
    expect(stravaWebhook.handshake!(request({ method: "GET" }), secrets)).toBeNull();
  });

  it("maps create/update to a lookup, delete to a confirmed deletion mark and authorized=false to a confirmed revocation", () => {
    const event = (o: Record<string, unknown>) =>
      stravaWebhook.parse(request({ body: JSON.stringify({ object_type: "activity", object_id: 12345678901, aspect_type: "create", owner_id: 134815, subscription_id: 1, event_time: 1700000000, updates: {}, ...o }) }))[0];
    const created = event({});
    expect(created.providerUserId).toBe("134815");
    expect(created.action).toEqual({ kind: "lookup", resources: ["activities"], objectId: "12345678901" });
    // Unsigned: both must be confirmed with Strava before anything is changed.
    expect(event({ aspect_type: "delete" }).action).toEqual({ kind: "delete", table: "activity", externalId: "12345678901", confirm: true });
    expect(event({ object_type: "athlete", object_id: 134815, aspect_type: "update", updates: { authorized: "false" } }).action).toMatchObject({ kind: "revoke", confirm: true });
    expect(event({ object_type: "athlete", object_id: 134815, aspect_type: "update", updates: { title: "x" } }).action.kind).toBe("none");
    // Same content → same key; another event time → another key.
    expect(event({}).dedupeKey).toBe(created.dedupeKey);
    expect(event({ event_time: 1700000001 }).dedupeKey).not.toBe(created.dedupeKey);
  });

  it("refuses a malformed body", () => {
    expect(() => stravaWebhook.parse(request({ body: "{" }))).toThrow(WebhookParseError);
    expect(() => stravaWebhook.parse(request({ body: JSON.stringify({ object_type: "activity" }) }))).toThrow(WebhookParseError);
  });
});

describe("oura", () => {
  const secret = DEMO_CLIENTS.oura.clientSecret;
  const body = JSON.stringify({ event_type: "create", data_type: "workout", object_id: "w-1", user_id: "u-1", event_time: "2024-01-15T09:00:00Z" });
  const ts = "1705309200";
  const sig = hmac("sha256", secret, ts + body).toString("hex").toUpperCase();

  it("answers the verification challenge with the right token only", () => {
    const token = DEMO_WEBHOOK_SETTINGS.OURA_WEBHOOK_VERIFICATION_TOKEN;
    expect(ouraWebhook.handshake!(request({ method: "GET", query: `?verification_token=${token}&challenge=abc` }), secrets)).toEqual({ status: 200, body: { challenge: "abc" } });
    expect(ouraWebhook.handshake!(request({ method: "GET", query: `?verification_token=nope&challenge=abc` }), secrets)?.status).toBe(401);
  });

  it("checks x-oura-signature (upper-case hex HMAC-SHA256 of timestamp + body)", () => {
    const headers = { "x-oura-signature": sig, "x-oura-timestamp": ts };
    const at = new Date(Number(ts) * 1000 + 60_000);
    expect(ouraWebhook.verify(request({ body, headers, at }), secrets)).toEqual({ ok: true });
    expectRejected(ouraWebhook, request({ body, headers: { ...headers, "x-oura-signature": offByOne(sig) } }), /does not match/);
    expectRejected(ouraWebhook, request({ body, headers: { ...headers, "x-oura-timestamp": "1705309201" } }), /does not match/);
    expectRejected(ouraWebhook, request({ body, headers: { "x-oura-signature": sig } }), /missing/);
  });

  it("refuses a correctly signed notice replayed a day later, or signed for the future", () => {
    const headers = { "x-oura-signature": sig, "x-oura-timestamp": ts };
    expectRejected(ouraWebhook, request({ body, headers, at: new Date(Number(ts) * 1000 + 24 * 3600_000) }), /stale/);
    expectRejected(ouraWebhook, request({ body, headers, at: new Date(Number(ts) * 1000 - 10 * 60_000) }), /stale/);
    expect(ouraWebhook.verify(request({ body, headers, at: new Date(Number(ts) * 1000 + 299_000) }), secrets)).toEqual({ ok: true });
  });

  it("looks a created object up, marks a deleted one, skips what is not synced", () => {
    expect(ouraWebhook.parse(request({ body }))[0].action).toEqual({ kind: "lookup", resources: ["workout"], objectId: "w-1", objectType: "workout" });
    const del = JSON.stringify({ event_type: "delete", data_type: "sleep", object_id: "s-1", user_id: "u-1" });
    const [n] = ouraWebhook.parse(request({ body: del }));
    expect(n.action).toEqual({ kind: "delete", table: "sleep_session", externalId: "s-1" });
    expect(n.replay).toBe("state"); // no event_time
    expect(ouraWebhook.parse(request({ body: JSON.stringify({ event_type: "create", data_type: "tag", object_id: "t", user_id: "u" }) }))[0].action.kind).toBe("none");
  });
});

describe("whoop", () => {
  const secret = DEMO_CLIENTS.whoop.clientSecret;
  const body = JSON.stringify({ user_id: 9012, id: "ecfc6a15-4661-442f-a9a4-f160dd7afae8", type: "workout.updated", trace_id: "t-1" });
  const at = new Date("2024-01-15T10:00:00Z");
  const ts = String(at.getTime());
  const sig = hmac("sha256", secret, ts + body).toString("base64");
  const headers = { "x-whoop-signature": sig, "x-whoop-signature-timestamp": ts };

  it("checks X-WHOOP-Signature (base64 HMAC-SHA256 of timestamp + body) and refuses stale timestamps", () => {
    expect(whoopWebhook.verify(request({ body, headers, at }), secrets)).toEqual({ ok: true });
    expectRejected(whoopWebhook, request({ body, headers: { ...headers, "x-whoop-signature": offByOne(sig) }, at }), /does not match/);
    // Correctly signed, but replayed six minutes later.
    expectRejected(whoopWebhook, request({ body, headers, at: new Date(at.getTime() + 360_000) }), /stale/);
    expect(whoopWebhook.verify(request({ body, headers, at: new Date(at.getTime() + 240_000) }), secrets)).toEqual({ ok: true });
  });

  it("maps event types", () => {
    const parse = (type: string) => whoopWebhook.parse(request({ body: JSON.stringify({ user_id: 1, id: "a-b", type, trace_id: "t" }) }))[0].action;
    expect(parse("workout.updated")).toEqual({ kind: "lookup", resources: ["workout"], objectId: "a-b", objectType: "workout" });
    expect(parse("recovery.updated")).toEqual({ kind: "lookup", resources: ["recovery"], objectId: "a-b", objectType: "recovery" });
    expect(parse("sleep.deleted")).toEqual({ kind: "delete", table: "sleep_session", externalId: "a-b" });
    expect(parse("recovery.deleted").kind).toBe("none");
  });
});

describe("polar", () => {
  const secret = DEMO_WEBHOOK_SETTINGS.POLAR_WEBHOOK_SECRET;
  const body = JSON.stringify({ event: "SLEEP", user_id: 475, entity_id: "x", timestamp: "2024-01-15T14:22:24Z", url: "https://www.polaraccesslink.com/v3/users/sleep/2024-01-15", date: "2024-01-15" });
  const sig = hmac("sha256", secret, body).toString("hex");

  it("answers the unsigned PING with 200 and nothing else", () => {
    expect(polarWebhook.handshake!(request({ body: JSON.stringify({ event: "PING", timestamp: "2024-01-15T14:22:24Z" }) }), none)).toEqual({ status: 200 });
    expect(polarWebhook.handshake!(request({ body }), secrets)).toBeNull();
  });

  it("checks Polar-Webhook-Signature (hex HMAC-SHA256 with the webhook's secret)", () => {
    expect(polarWebhook.verify(request({ body, headers: { "polar-webhook-signature": sig } }), secrets)).toEqual({ ok: true });
    expectRejected(polarWebhook, request({ body, headers: { "polar-webhook-signature": offByOne(sig) } }), /does not match/);
    expect(polarWebhook.verify(request({ body, headers: { "polar-webhook-signature": sig } }), none).ok).toBe(false);
  });

  it("syncs the notice's date, looks exercises up", () => {
    expect(polarWebhook.parse(request({ body }))[0].action).toEqual({
      kind: "sync",
      resources: ["sleep", "nightly_recharge"],
      from: "2024-01-14T00:00:00.000Z",
      to: "2024-01-17T00:00:00.000Z",
    });
    const ex = JSON.stringify({ event: "EXERCISE", user_id: 475, entity_id: "aQlC83", timestamp: "2018-05-15T14:22:24Z", url: "https://www.polaraccesslink.com/v3/exercises/aQlC83" });
    expect(polarWebhook.parse(request({ body: ex }))[0].action).toEqual({ kind: "lookup", resources: ["exercises"], objectId: "aQlC83", objectType: "exercise" });
    expect(isoDurationMs("PT2H44M")).toBe(9_840_000);
    expect(isoDurationMs("PT45M12.5S")).toBe(2_712_500);
  });
});

describe("coros", () => {
  const body = JSON.stringify({
    sportDataList: [
      { openId: "o1", labelId: "1234", mode: 8, subMode: 1, startTime: 1516096869, endTime: 1516097362, startTimezone: 32, endTimezone: 32 },
      { openId: "o2", labelId: "5678", mode: 9, subMode: 1, startTime: 1516000000, endTime: 1516003600, startTimezone: 32, endTimezone: 32 },
      { openId: "o1", labelId: "9999", mode: 8, subMode: 1, startTime: 1516196869, endTime: 1516197362, startTimezone: 32, endTimezone: 32 },
    ],
  });
  const headers = { client: DEMO_CLIENTS.coros.clientId, secret: DEMO_CLIENTS.coros.clientSecret };

  it("checks the client/secret headers", () => {
    expect(corosWebhook.verify(request({ body, headers }), secrets)).toEqual({ ok: true });
    expectRejected(corosWebhook, request({ body, headers: { ...headers, secret: offByOne(headers.secret) } }), /secret header does not match/);
    expectRejected(corosWebhook, request({ body, headers: { client: "someone-else", secret: headers.secret } }), /client header/);
    expectRejected(corosWebhook, request({ body, headers: { client: headers.client } }), /missing/);
  });

  it("groups workouts per user into one narrow sync over their span", () => {
    const notices = corosWebhook.parse(request({ body }));
    expect(notices.map((n) => n.providerUserId)).toEqual(["o1", "o2"]);
    expect(notices[0].action).toEqual({
      kind: "sync",
      resources: ["sport_list"],
      from: new Date(1516096869_000).toISOString(),
      to: new Date(1516197363_000).toISOString(),
    });
  });
});

describe("withings", () => {
  const form = (p: Record<string, string>) => new URLSearchParams(p).toString();

  it("maps the official appli codes to resources and the notice's window", () => {
    const parse = (p: Record<string, string>) => withingsWebhook.parse(request({ body: form(p), headers: { "content-type": "application/x-www-form-urlencoded" } }))[0];
    const weight = parse({ userid: "123", appli: "1", startdate: "1700000000", enddate: "1700003600" });
    expect(weight.action).toEqual({ kind: "sync", resources: ["measures"], from: new Date(1700000000_000).toISOString(), to: new Date(1700003601_000).toISOString() });
    expect(parse({ userid: "123", appli: "4", startdate: "1", enddate: "2" }).action).toMatchObject({ resources: ["measures"] });
    expect(parse({ userid: "123", appli: "16", startdate: "1", enddate: "2" }).action).toMatchObject({ resources: ["activity", "workouts"] });
    expect(parse({ userid: "123", appli: "44", startdate: "1", enddate: "2" }).action).toMatchObject({ resources: ["sleep_summary"] });
    expect(parse({ userid: "123", appli: "46", action: "unlink" }).action.kind).toBe("revoke");
    expect(parse({ userid: "123", appli: "46", action: "delete" }).action.kind).toBe("revoke");
    expect(parse({ userid: "123", appli: "46", action: "update" }).action.kind).toBe("none");
  });

  it("acts only on applis the connection subscribed to (46 always)", () => {
    const [n] = withingsWebhook.parse(request({ body: form({ userid: "1", appli: "44", startdate: "1", enddate: "2" }) }));
    const conn = (applis: number[]) => ({ authKind: "oauth2", meta: { withingsNotify: { callbackUrl: "x", applis } }, accessToken: () => "" });
    expect(withingsWebhook.accepts!(n, conn([1, 4, 16, 44]))).toBeUndefined();
    expect(withingsWebhook.accepts!(n, conn([1]))).toMatch(/not subscribed to appli 44/);
    const [unlink] = withingsWebhook.parse(request({ body: form({ userid: "1", appli: "46", action: "unlink" }) }));
    expect(withingsWebhook.accepts!(unlink, conn([]))).toBeUndefined();
  });

  it("answers the callback test call and refuses malformed notices", () => {
    expect(withingsWebhook.handshake!(request({ method: "GET" }), none)).toEqual({ status: 200 });
    expect(() => withingsWebhook.parse(request({ body: form({ appli: "1" }) }))).toThrow(WebhookParseError);
  });
});

describe("garmin", () => {
  const headers = { "garmin-client-id": DEMO_CLIENTS.garmin.clientId };
  const activity = (userId: string, summaryId: string) => ({ userId, summaryId, activityType: "RUNNING", startTimeInSeconds: 1512234126, durationInSeconds: 1789 });

  it("accepts only our client id in garmin-client-id", () => {
    expect(garminWebhook.verify(request({ body: "{}", headers }), secrets)).toEqual({ ok: true });
    expectRejected(garminWebhook, request({ body: "{}", headers: { "garmin-client-id": offByOne(headers["garmin-client-id"]) } }), /not our client id/);
    expectRejected(garminWebhook, request({ body: "{}" }), /missing/);
  });

  it("groups pushed records per user and type, follows pings only on Garmin's host", () => {
    const body = JSON.stringify({
      activities: [activity("u1", "a1"), activity("u2", "a2"), activity("u1", "a3")],
      dailies: [{ userId: "u1", summaryId: "d1", calendarDate: "2024-01-15", steps: 100 }],
      deregistrations: [{ userId: "u3" }],
      userPermissionsChange: [{ userId: "u2", summaryId: "p", permissions: ["ACTIVITY_EXPORT"], changeTimeInSeconds: 1 }],
    });
    const notices = garminWebhook.parse(request({ body, headers }));
    const summary = notices.map((n) => [n.providerUserId, n.action.kind, n.action.kind === "records" ? n.action.records.length : null]);
    expect(summary).toEqual([
      ["u1", "records", 2],
      ["u2", "records", 1],
      ["u1", "records", 1],
      ["u3", "revoke", null],
      ["u2", "permissions", null],
    ]);
    const ping = (url: string) =>
      JSON.stringify({ sleeps: [{ userId: "u1", uploadStartTimeInSeconds: 1, uploadEndTimeInSeconds: 2, callbackURL: url }] });
    const ok = garminWebhook.parse(request({ body: ping("https://apis.garmin.com/wellness-api/rest/sleeps?uploadStartTimeInSeconds=1&uploadEndTimeInSeconds=2"), headers }));
    expect(ok[0].action).toMatchObject({ kind: "pull", resource: "sleeps" });
    expect(() => garminWebhook.parse(request({ body: ping("https://evil.example/wellness-api/rest/sleeps"), headers }))).toThrow(/apis.garmin.com/);
    expect(() => garminWebhook.parse(request({ body: ping("http://apis.garmin.com/wellness-api/rest/sleeps"), headers }))).toThrow(/apis.garmin.com/);
  });

  it("checks the user's token: every OAuth 1.0a item and every pushed record must carry the connection's", () => {
    const conn = (authKind: string, token: string) => ({ authKind, meta: {}, accessToken: () => token });
    const [dereg] = garminWebhook.parse(request({ body: JSON.stringify({ deregistrations: [{ userId: "u", userAccessToken: "tok-1" }] }), headers }));
    expect(garminWebhook.accepts!(dereg, conn("oauth1", "tok-1"))).toBeUndefined();
    expect(garminWebhook.accepts!(dereg, conn("oauth1", "tok-2"))).toMatch(/not this connection's token/);
    expect(garminWebhook.accepts!(dereg, conn("oauth2", "other"))).toMatch(/not this connection's token/);
    const [bare] = garminWebhook.parse(request({ body: JSON.stringify({ deregistrations: [{ userId: "u" }] }), headers }));
    expect(garminWebhook.accepts!(bare, conn("oauth1", "tok-1"))).toMatch(/carries no userAccessToken/);
    // OAuth 2.0: a deregistration is confirmed with Garmin instead (process.ts), so it needs no token.
    expect(garminWebhook.accepts!(bare, conn("oauth2", "tok-1"))).toBeUndefined();

    const push = (token?: string) =>
      garminWebhook.parse(request({ body: JSON.stringify({ activities: [{ ...activity("u", "a1"), ...(token ? { userAccessToken: token } : {}) }] }), headers }))[0];
    expect(garminWebhook.accepts!(push("tok-1"), conn("oauth2", "tok-1"))).toBeUndefined();
    expect(garminWebhook.accepts!(push("tok-2"), conn("oauth2", "tok-1"))).toMatch(/not this connection's token/);
    expect(garminWebhook.accepts!(push(), conn("oauth2", "tok-1"))).toMatch(/carries no userAccessToken/);
  });

  it("normalizes pushed records with the Garmin transforms", () => {
    const { batch } = garminWebhook.normalize!("activities", [activity("u1", "a1")]);
    expect(batch.activities).toHaveLength(1);
    expect(batch.activities[0]).toMatchObject({ externalId: "a1", durationS: 1789 });
  });
});
