import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DEMO_HEVY_API_KEYS } from "../clients";
import { startSimulator, type RunningSimulator } from "../server";
import { call, postForm, type LooseJson, type TestResponse } from "../testing";
import { addDays } from "./core";
import { expectedRecords, simData } from ".";
import { grantToken } from "./testing";

/**
 * The data endpoints over real HTTP: paging walks return exactly the generated set, delta
 * parameters select exactly the changes, rate-limit headers and budgets, 401s on dead tokens.
 */

const NOW = Date.parse("2026-06-15T12:00:00Z");
const FROM = "2026-01-01";
const TO = "2026-06-14";

let sim: RunningSimulator;
let now = NOW;
beforeAll(async () => {
  sim = await startSimulator({ port: 0, now: () => now });
});
afterAll(() => sim.close());
beforeEach(() => {
  now = NOW;
  sim.state.reset();
  simData(sim.state).configure({}, { from: FROM, to: TO });
});

const store = () => simData(sim.state);
const ids = (list: Array<Record<string, unknown>>, key = "id") => list.map((r) => String(r[key]));

async function get(url: string, token?: string, headers: Record<string, string> = {}): Promise<TestResponse> {
  return call(sim.url, url, { token, headers });
}

describe("Strava athlete/activities", () => {
  const URL = "https://www.strava.com/api/v3/athlete/activities";

  it("pages `after` oldest first through exactly the generated set, 200 at a time", async () => {
    const { token } = grantToken(sim.state, "strava", "athlete-1");
    const expected = expectedRecords("strava", "athlete-1", "activities", { from: FROM, to: TO });
    expect(ids(store().expectedRecords("strava", "athlete-1", "activities"))).toEqual(ids(expected));
    const got: LooseJson[] = [];
    for (let page = 1; ; page++) {
      const res = await get(`${URL}?after=0&per_page=200&page=${page}`, token);
      expect(res.status).toBe(200);
      if (!res.json.length) break;
      got.push(...res.json);
    }
    expect(got).toEqual(expected);
    expect(Math.ceil(expected.length / 200)).toBeGreaterThan(0);
  });

  it("filters on start_date with before/after and defaults to newest first", async () => {
    const { token } = grantToken(sim.state, "strava", "athlete-1");
    const after = Date.parse("2026-03-01T00:00:00Z") / 1000;
    const before = Date.parse("2026-04-01T00:00:00Z") / 1000;
    const res = await get(`${URL}?after=${after}&before=${before}&per_page=200`, token);
    const inMarch = expectedRecords("strava", "athlete-1", "activities", { from: "2026-02-27", to: "2026-04-02" }).filter((a) => {
      const t = Date.parse(String(a.start_date)) / 1000;
      return t > after && t < before;
    });
    expect(ids(res.json)).toEqual(ids(inMarch).reverse());
    const latest = await get(`${URL}?per_page=3`, token);
    expect(ids(latest.json)).toEqual(ids(store().expectedRecords("strava", "athlete-1", "activities").slice(-3)).reverse());
    expect((await get(`${URL}?per_page=abc`, token)).status).toBe(400);
    // per_page above the maximum is clamped to 200.
    store().configure({}, { from: "2025-01-01", to: TO });
    expect((await get(`${URL}?after=0&per_page=500`, token)).json).toHaveLength(200);
  });

  it("sees an activity added now through `after`, sends its rate-limit headers, 401s a dead token", async () => {
    const { token } = grantToken(sim.state, "strava", "athlete-1");
    const watermark = NOW / 1000 - 3600;
    expect((await get(`${URL}?after=${watermark}`, token)).json).toEqual([]);
    const added = store().mutate({ op: "add", provider: "strava", account: "athlete-1", resource: "activities" });
    const res = await get(`${URL}?after=${watermark}`, token);
    expect(ids(res.json)).toEqual([added.id]);
    expect(res.headers.get("x-ratelimit-limit")).toBe("200,2000");
    expect(res.headers.get("x-ratelimit-usage")).toBe("2,2");
    expect(res.headers.get("x-readratelimit-usage")).toBe("2,2");
    sim.state.expireTokens({ accessToken: token });
    const dead = await get(URL, token);
    expect(dead.status).toBe(401);
    expect(dead.json).toEqual({ message: "Authorization Error", errors: [{ resource: "Athlete", field: "access_token", code: "invalid" }] });
  });

  it("refuses a token without activity:read", async () => {
    const { token } = grantToken(sim.state, "strava", "athlete-1", { scopes: ["read"] });
    const res = await get(URL, token);
    expect(res.status).toBe(401);
    expect(res.json.errors[0].field).toBe("activity:read_permission");
  });

  it("enforces 100 reads per 15 minutes with 429 + Retry-After, and can be switched off", async () => {
    now = Date.parse("2026-06-15T12:05:00Z");
    const { token } = grantToken(sim.state, "strava", "athlete-1");
    for (let i = 0; i < 100; i++) expect((await get(`${URL}?per_page=1`, token)).status).toBe(200);
    const limited = await get(`${URL}?per_page=1`, token);
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("600"); // the window resets at 12:15
    expect(limited.headers.get("x-readratelimit-usage")).toBe("100,100");
    const admin = await fetch(`${sim.url}/__admin/data/rate-limits`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ enforce: false }) });
    expect(await admin.json()).toEqual({ enforce: false });
    expect((await get(`${URL}?per_page=1`, token)).status).toBe(200);
    now += 10 * 60_000; // next 15-minute window
    await fetch(`${sim.url}/__admin/data/rate-limits`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ enforce: true }) });
    const fresh = await get(`${URL}?per_page=1`, token);
    expect(fresh.status).toBe(200);
    // 100 allowed + 1 while enforcement was off + this one; the refused request did not count.
    expect(fresh.headers.get("x-readratelimit-usage")).toBe("1,102");
  });
});

describe("Oura usercollection", () => {
  const BASE = "https://api.ouraring.com/v2/usercollection";

  async function walk(url: string, token: string): Promise<LooseJson[]> {
    const out: LooseJson[] = [];
    let next: string | null = null;
    do {
      const res = await get(`${url}${next ? `&next_token=${encodeURIComponent(next)}` : ""}`, token);
      expect(res.status).toBe(200);
      out.push(...res.json.data);
      next = res.json.next_token;
    } while (next);
    return out;
  }

  it("walks next_token through exactly the documents of start_date..end_date", async () => {
    const { token } = grantToken(sim.state, "oura", "athlete-1");
    for (const resource of ["workout", "sleep", "daily_activity", "daily_readiness", "daily_sleep"]) {
      const got = await walk(`${BASE}/${resource}?start_date=${FROM}&end_date=${TO}`, token);
      expect(got, resource).toEqual(expectedRecords("oura", "athlete-1", resource, { from: FROM, to: TO }));
    }
  });

  it("heart rate in [start_datetime, end_datetime), at most 30 days, paged", async () => {
    const { token } = grantToken(sim.state, "oura", "athlete-1");
    const start = "2026-03-01T00:00:00+00:00";
    const end = "2026-03-31T00:00:00+00:00";
    const got = await walk(`${BASE}/heartrate?start_datetime=${encodeURIComponent(start)}&end_datetime=${encodeURIComponent(end)}`, token);
    const expected = store()
      .expectedRecords("oura", "athlete-1", "heartrate", { from: "2026-02-27", to: "2026-04-01" })
      .filter((s) => Date.parse(String(s.timestamp)) >= Date.parse(start) && Date.parse(String(s.timestamp)) < Date.parse(end));
    expect(got).toEqual(expected);
    expect(got.length).toBeGreaterThan(500); // more than one page
    const tooLong = await get(`${BASE}/heartrate?start_datetime=2026-01-01T00:00:00Z&end_datetime=2026-03-01T00:00:00Z`, token);
    expect(tooLong.status).toBe(400);
    expect(tooLong.json).toMatchObject({ status: 400, title: "Bad Request" });
  });

  it("needs the matching scope, sends X-RateLimit headers, 401s an expired token", async () => {
    const { token } = grantToken(sim.state, "oura", "athlete-1", { scopes: ["daily"] });
    const ok = await get(`${BASE}/daily_sleep?start_date=2026-06-01&end_date=2026-06-02`, token);
    expect(ok.json.data).toHaveLength(2);
    expect(ok.headers.get("x-ratelimit-limit")).toBe("5000");
    expect(ok.headers.get("x-ratelimit-remaining")).toBe("4999");
    expect((await get(`${BASE}/workout`, token)).status).toBe(403);
    sim.state.expireTokens({ accessToken: token });
    const dead = await get(`${BASE}/daily_sleep`, token);
    expect(dead.status).toBe(401);
    expect(dead.json).toMatchObject({ status: 401, title: "Unauthorized" });
  });
});

describe("WHOOP collections", () => {
  const BASE = "https://api.prod.whoop.com/developer";

  async function walk(path: string, token: string, query: string): Promise<LooseJson[]> {
    const out: LooseJson[] = [];
    let next: string | null = null;
    do {
      const res = await get(`${BASE}${path}?limit=25&${query}${next ? `&nextToken=${next}` : ""}`, token);
      expect(res.status).toBe(200);
      expect(res.json.records.length).toBeLessThanOrEqual(25);
      out.push(...res.json.records);
      next = res.json.next_token;
    } while (next);
    return out;
  }

  it("walks nextToken newest first through exactly the generated records", async () => {
    const { token } = grantToken(sim.state, "whoop", "athlete-1");
    for (const [path, resource] of [
      ["/v2/activity/workout", "workout"],
      ["/v2/activity/sleep", "sleep"],
      ["/v2/recovery", "recovery"],
      ["/v2/cycle", "cycle"],
    ]) {
      const got = await walk(path, token, "");
      expect(got, resource).toEqual(store().expectedRecords("whoop", "athlete-1", resource).reverse());
    }
  });

  it("start is inclusive, end exclusive; limit above 25 is refused; headers and 401", async () => {
    const { token } = grantToken(sim.state, "whoop", "athlete-1");
    const all = store().list("whoop", "athlete-1", "workout");
    const pivot = all[40];
    const got = await walk("/v2/activity/workout", token, `start=${new Date(pivot.at).toISOString()}&end=${new Date(all[60].at).toISOString()}`);
    expect(ids(got)).toEqual(all.slice(40, 60).map((r) => r.id).reverse());
    expect((await get(`${BASE}/v2/cycle?limit=26`, token)).status).toBe(400);
    const res = await get(`${BASE}/v2/cycle?limit=1`, token);
    expect(res.headers.get("x-ratelimit-limit")).toBe("100;window=60, 10000;window=86400");
    expect(res.headers.get("x-ratelimit-remaining")).toMatch(/^\d+$/);
    expect((await get(`${BASE}/v2/user/measurement/body`, token)).json).toEqual(store().expectedRecords("whoop", "athlete-1", "body_measurement")[0]);
    sim.state.revokeTokens({ accessToken: token });
    expect((await get(`${BASE}/v2/cycle`, token)).status).toBe(401);
  });
});

describe("Google Health budgets", () => {
  it("counts 300 requests per user and minute, then 429 RESOURCE_EXHAUSTED; another user has their own", async () => {
    now = Date.parse("2026-06-15T12:59:00Z");
    const { token } = grantToken(sim.state, "google_health", "athlete-1");
    const other = grantToken(sim.state, "google_health", "athlete-2").token;
    const filter = 'heart_rate.sample_time.physical_time >= "2026-06-14T00:00:00Z" AND heart_rate.sample_time.physical_time < "2026-06-14T00:05:00Z"';
    const url = `https://health.googleapis.com/v4/users/me/dataTypes/heart-rate/dataPoints?${new URLSearchParams({ filter, pageSize: "1" })}`;
    const statuses = new Set<number>();
    for (let i = 0; i < 300; i++) statuses.add((await get(url, token)).status);
    expect(statuses).toEqual(new Set([200]));
    const limited = await get(url, token);
    expect(limited.status).toBe(429);
    expect(limited.json.error).toMatchObject({ code: 429, status: "RESOURCE_EXHAUSTED" });
    expect((await get(url, other)).status).toBe(200);
    now += 60_000;
    expect((await get(url, token)).status).toBe(200);
  });
});

describe("Polar AccessLink", () => {
  const API = "https://www.polaraccesslink.com/v3";

  it("serves only the last 28/30 days and 28-day daily-activity windows", async () => {
    const { token } = grantToken(sim.state, "polar", "athlete-1");
    const sleep = await get(`${API}/users/sleep`, token);
    expect(sleep.json.nights).toEqual(store().expectedRecords("polar", "athlete-1", "sleep"));
    expect(sleep.json.nights).toHaveLength(27); // 28 days back from today, of which today has no night yet (range ends yesterday)
    expect((await get(`${API}/exercises`, token)).json).toEqual(store().expectedRecords("polar", "athlete-1", "exercises"));
    expect((await get(`${API}/users/nightly-recharge`, token)).json.recharges).toHaveLength(27);
    const range = { from: "2026-04-01", to: "2026-04-28" };
    expect((await get(`${API}/users/activities?from=${range.from}&to=${range.to}`, token)).json).toEqual(store().expectedRecords("polar", "athlete-1", "activities", range));
    expect((await get(`${API}/users/activities?from=2026-04-01&to=2026-04-29`, token)).status).toBe(400);
    expect((await get(`${API}/users/activities?from=2025-01-01&to=2025-01-10`, token)).status).toBe(400); // older than 365 days
    expect((await get(`${API}/users/continuous-heart-rate?from=${range.from}&to=${range.to}`, token)).json.heart_rates).toEqual(
      store().expectedRecords("polar", "athlete-1", "continuous_heart_rate", range),
    );
    expect((await get(`${API}/users/continuous-heart-rate`, token)).status).toBe(400);
    const res = await get(`${API}/users/physical-info`, token);
    expect(res.json).toEqual(store().expectedRecords("polar", "athlete-1", "physical_info")[0]);
    expect(res.headers.get("ratelimit-limit")).toBe("520"); // 500 + 1 registered user × 20
    expect(res.headers.get("ratelimit-usage")).toMatch(/^\d+$/);
    sim.state.expireTokens({ accessToken: token });
    expect((await get(`${API}/users/physical-info`, token)).status).toBe(401);
  });
});

describe("COROS sport/list", () => {
  it("serves 31-day windows of local start days, token and openId in the query", async () => {
    const { token, userId } = grantToken(sim.state, "coros", "athlete-1");
    const url = (s: string, e: string, t = token, o = userId) => `https://open.coros.com/v2/coros/sport/list?token=${t}&openId=${o}&startDate=${s}&endDate=${e}`;
    const got: LooseJson[] = [];
    for (let start = FROM; start <= TO; start = addDays(start, 31)) {
      const end = addDays(start, 30) < TO ? addDays(start, 30) : TO;
      const res = await get(url(start.replace(/-/g, ""), end.replace(/-/g, "")));
      expect(res.json.result).toBe("0000");
      got.push(...[...res.json.data].reverse());
    }
    expect(got).toEqual(store().expectedRecords("coros", "athlete-1", "sport_list"));
    expect((await get(url("20260101", "20260201"))).json.result).toBe("5000"); // 32 days
    expect((await get(url("20260101", "20260102", token, "someone-else"))).json.result).toBe("5000");
    sim.state.expireTokens({ accessToken: token });
    expect((await get(url("20260101", "20260102"))).json).toEqual({ result: "5003", message: "access token expired" });
  });
});

describe("Withings", () => {
  const W = "https://wbsapi.withings.net";
  const post = (path: string, form: Record<string, string>, token: string) => postForm(sim.url, `${W}${path}`, form, { authorization: `Bearer ${token}` });

  it("getmeas pages with offset/more through every measure group, newest first, value × 10^unit", async () => {
    const { token } = grantToken(sim.state, "withings", "athlete-1");
    const got: LooseJson[] = [];
    let offset = 0;
    for (;;) {
      const res = await post("/measure", { action: "getmeas", category: "1", offset: String(offset) }, token);
      expect(res.json.status).toBe(0);
      got.push(...res.json.body.measuregrps);
      if (!res.json.body.more) break;
      offset = res.json.body.offset;
    }
    expect(got).toEqual(store().expectedRecords("withings", "athlete-1", "measures").reverse());
    const weight = got.flatMap((g) => g.measures).find((m: LooseJson) => m.type === 1);
    expect(weight.unit).toBe(-3);
    const only = await post("/measure", { action: "getmeas", meastype: "1", startdate: String(Date.parse("2026-03-01T00:00:00Z") / 1000), enddate: String(Date.parse("2026-03-08T00:00:00Z") / 1000) }, token);
    expect(only.json.body.measuregrps.every((g: LooseJson) => g.measures.length === 1 && g.measures[0].type === 1)).toBe(true);
  });

  it("lastupdate returns exactly what changed after it", async () => {
    const { token } = grantToken(sim.state, "withings", "athlete-1");
    const watermark = String(NOW / 1000);
    const none = await post("/v2/sleep", { action: "getsummary", lastupdate: watermark }, token);
    expect(none.json.body.series).toEqual([]);
    now += 60_000;
    const target = store().list("withings", "athlete-1", "sleep_summary")[10];
    store().mutate({ op: "update", provider: "withings", account: "athlete-1", resource: "sleep_summary", id: target.id, patch: { data: { sleep_score: 42 } } });
    const added = store().mutate({ op: "add", provider: "withings", account: "athlete-1", resource: "measures" });
    const sleep = await post("/v2/sleep", { action: "getsummary", lastupdate: watermark }, token);
    expect(sleep.json.body.series.map((s: LooseJson) => [String(s.id), s.data.sleep_score])).toEqual([[target.id, 42]]);
    const meas = await post("/measure", { action: "getmeas", lastupdate: watermark }, token);
    expect(meas.json.body.measuregrps.map((g: LooseJson) => String(g.grpid))).toEqual([added.id]);
    expect((await post("/v2/sleep", { action: "getsummary", lastupdate: watermark, startdateymd: FROM, enddateymd: TO }, token)).json.status).toBe(503);
  });

  it("workouts, activity and sleep summaries by date with data_fields", async () => {
    const { token } = grantToken(sim.state, "withings", "athlete-1");
    const range = { from: "2026-05-01", to: "2026-06-14" };
    const form = { startdateymd: range.from, enddateymd: range.to };
    const workouts = await post("/v2/measure", { action: "getworkouts", ...form }, token);
    expect(workouts.json.body.series).toEqual(store().expectedRecords("withings", "athlete-1", "workouts", range).reverse());
    const activity = await post("/v2/measure", { action: "getactivity", ...form, data_fields: "steps,totalcalories" }, token);
    const first = activity.json.body.activities[0];
    expect(first).toMatchObject({ date: range.to, steps: expect.any(Number), totalcalories: expect.any(Number) });
    expect(first.calories).toBeUndefined();
    const sleep = await post("/v2/sleep", { action: "getsummary", ...form, data_fields: "total_sleep_time,hr_average,sleep_score" }, token);
    expect(Object.keys(sleep.json.body.series[0].data).sort()).toEqual(["hr_average", "sleep_score", "total_sleep_time"]);
    expect(sleep.json.body.series).toHaveLength(45);
    expect(sleep.json.body.more).toBe(false);
  });

  it("answers 601 past 120 requests a minute and status 401 to an expired token", async () => {
    const { token } = grantToken(sim.state, "withings", "athlete-1");
    const form = { action: "getactivity", startdateymd: "2026-06-01", enddateymd: "2026-06-01" };
    for (let i = 0; i < 120; i++) expect((await post("/v2/measure", form, token)).json.status).toBe(0);
    const limited = await post("/v2/measure", form, token);
    expect(limited.status).toBe(200);
    expect(limited.json.status).toBe(601);
    sim.state.expireTokens({ accessToken: token });
    now += 60_000;
    const dead = await post("/v2/measure", form, token);
    expect(dead.json.status).toBe(401);
  });
});

describe("Hevy", () => {
  const [key] = Object.keys(DEMO_HEVY_API_KEYS);
  const account = DEMO_HEVY_API_KEYS[key];
  const hevy = (path: string) => get(`https://api.hevyapp.com${path}`, undefined, { "api-key": key });

  async function pages(path: string, field: string): Promise<LooseJson[]> {
    const out: LooseJson[] = [];
    for (let page = 1; ; page++) {
      const res = await hevy(`${path}${path.includes("?") ? "&" : "?"}page=${page}&pageSize=10`);
      expect(res.status).toBe(200);
      out.push(...res.json[field]);
      if (page >= res.json.page_count) break;
    }
    return out;
  }

  it("pages workouts and body measurements newest first", async () => {
    expect(await pages("/v1/workouts", "workouts")).toEqual(store().expectedRecords("hevy", account, "workouts").reverse());
    expect(await pages("/v1/body_measurements", "body_measurements")).toEqual(store().expectedRecords("hevy", account, "body_measurements").reverse());
    expect((await hevy("/v1/workouts/count")).json).toEqual({ workout_count: store().list("hevy", account, "workouts").length });
    expect((await hevy("/v1/workouts?pageSize=11")).status).toBe(400);
    const bad = await get("https://api.hevyapp.com/v1/workouts", undefined, { "api-key": "nope" });
    expect(bad.status).toBe(401);
    expect(bad.text).toBe("Unauthorized");
  });

  it("events since a watermark: the updated and added workouts, and the deletion", async () => {
    const since = new Date(NOW).toISOString();
    expect((await hevy(`/v1/workouts/events?since=${since}`)).json.events).toEqual([]);
    const all = store().list("hevy", account, "workouts");
    now += 60_000;
    store().mutate({ op: "update", provider: "hevy", account, resource: "workouts", id: all[3].id, patch: { title: "Renamed" } });
    now += 60_000;
    store().mutate({ op: "delete", provider: "hevy", account, resource: "workouts", id: all[5].id });
    now += 60_000;
    const added = store().mutate({ op: "add", provider: "hevy", account, resource: "workouts" });
    const events = await pages(`/v1/workouts/events?since=${encodeURIComponent(since)}`, "events");
    expect(events.map((e) => [e.type, e.workout?.id ?? e.id])).toEqual([
      ["updated", added.id],
      ["deleted", all[5].id],
      ["updated", all[3].id],
    ]);
    expect(events[1].deleted_at).toBe("2026-06-15T12:02:00Z");
    // From the beginning: every workout once, plus the deletion.
    const everything = await pages("/v1/workouts/events", "events");
    expect(everything.filter((e) => e.type === "updated")).toHaveLength(store().list("hevy", account, "workouts").length);
  });
});

describe("Eight Sleep trends", () => {
  it("serves the days of from..to for the token's user", async () => {
    const { token, userId } = grantToken(sim.state, "eightsleep", "sleeper@example.com");
    const tz = store().timezone("eightsleep", "sleeper@example.com");
    const url = (u: string, q: string) => `https://client-api.8slp.net/v1/users/${u}/trends?tz=${encodeURIComponent(tz)}&${q}&include-main=false&include-all-sessions=true&model-version=v2`;
    const res = await get(url(userId, "from=2026-03-01&to=2026-03-31"), token);
    expect(res.json.days).toEqual(store().expectedRecords("eightsleep", "sleeper@example.com", "trends", { from: "2026-03-01", to: "2026-03-31" }));
    expect(res.json.days).toHaveLength(31);
    expect((await get(url("someone-else", "from=2026-03-01&to=2026-03-02"), token)).status).toBe(403);
    expect((await get(url(userId, "from=2026-03-02&to=2026-03-01"), token)).status).toBe(400);
    sim.state.expireTokens({ accessToken: token });
    expect((await get(url(userId, "from=2026-03-01&to=2026-03-02"), token)).status).toBe(401);
  });
});

describe("admin API", () => {
  const admin = (path: string, body?: unknown) =>
    fetch(`${sim.url}/__admin${path}`, body === undefined ? {} : { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) }).then(async (r) => ({
      status: r.status,
      json: (await r.json()) as LooseJson,
    }));

  it("configures ranges and zones, mutates records, lists expected records, validates input", async () => {
    const cfg = await admin("/data/config", { provider: "oura", account: "a1", from: "2026-06-01", timezone: "Asia/Kolkata" });
    expect(cfg).toEqual({ status: 200, json: { config: { from: "2026-06-01", to: TO, timezone: "Asia/Kolkata" } } });
    const recs = await admin("/data/records?provider=oura&account=a1&resource=daily_sleep");
    expect(recs.json.count).toBe(14);
    expect(recs.json.records[0]).toMatchObject({ day: "2026-06-01", timestamp: "2026-06-01T00:00:00+05:30" });

    const { token } = grantToken(sim.state, "oura", "a1");
    const before = (await get("https://api.ouraring.com/v2/usercollection/workout?start_date=2026-06-15&end_date=2026-06-15", token)).json.data;
    expect(before).toEqual([]);
    const added = await admin("/data/mutations", { op: "add", provider: "oura", account: "a1", resource: "workout", at: "2026-06-15T06:00:00Z", patch: { label: "Sim run" } });
    expect(added.status).toBe(201);
    expect(added.json.mutation).toMatchObject({ op: "add", day: "2026-06-15", record: { label: "Sim run", start_datetime: "2026-06-15T11:30:00+05:30" } });
    const after = (await get("https://api.ouraring.com/v2/usercollection/workout?start_date=2026-06-15&end_date=2026-06-15", token)).json.data;
    expect(after.map((w: LooseJson) => w.id)).toEqual([added.json.mutation.id]);

    expect((await admin("/data/mutations", { op: "delete", provider: "oura", account: "a1", resource: "workout", id: "missing" })).status).toBe(404);
    expect((await admin("/data/mutations", { op: "explode", provider: "oura" })).status).toBe(400);
    expect((await admin("/data/config", { years: 11 })).status).toBe(400);
    expect((await admin("/data/config", { timezone: "Mars/Olympus" })).status).toBe(400);
    expect((await admin("/data")).json.rateLimits).toEqual({ enforce: true });
    // /__admin/reset forgets configuration and mutations.
    await fetch(`${sim.url}/__admin/reset`, { method: "POST" });
    expect((await admin("/data/config?provider=oura&account=a1")).json.config.from).not.toBe("2026-06-01");
  });

});
