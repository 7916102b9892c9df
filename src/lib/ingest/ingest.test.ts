import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { revokeApiKey } from "@/lib/api-keys";
import { activities, measurements, users } from "@/lib/db/schema";
import { testDb, type TestDb } from "@/test/db";
import { handleIngest, IngestHttpError, ingestStream } from "./ingest";
import { TokenBucketLimiter } from "./rate-limit";
import { fixture, ingestUrl, post, rowsOf, totalRows, userWithKey } from "./testing";

/** Every way a request can be refused, all-or-nothing writes, streaming, and tenant isolation. */

let t: TestDb;
let alice: Awaited<ReturnType<typeof userWithKey>>;
beforeAll(async () => {
  t = await testDb();
  alice = await userWithKey(t.db, "alice");
});
afterAll(async () => t?.close());

/** A body that records whether anyone read it (highWaterMark 0: nothing is pulled ahead of a read). */
function watchedBody(text = fixture("hae-v2-metrics-docderived.json")) {
  const state = { pulled: false };
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        state.pulled = true;
        controller.enqueue(new TextEncoder().encode(text));
        controller.close();
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, state };
}

/** `text` as a stream of `size`-byte chunks. */
function chunked(text: string, size: number): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  let i = 0;
  return new ReadableStream({
    pull(controller) {
      if (i >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(i, (i += size)));
    },
  });
}

/** HAE payload with `n` minute heart-rate points on 2024-01-01 (UTC) and `tail` appended raw. */
function heartRatePayload(n: number, tail = "]}]}}") {
  const points = Array.from({ length: n }, (_, i) => {
    const hh = String(Math.floor(i / 60)).padStart(2, "0");
    const mm = String(i % 60).padStart(2, "0");
    return `{"date":"2024-01-01 ${hh}:${mm}:00 +0000","Min":${60 + (i % 7)},"Avg":${60 + (i % 7)},"Max":${60 + (i % 7)}}`;
  });
  return `{"data":{"metrics":[{"name":"heart_rate","units":"count/min","data":[${points.join(",")}${tail}`;
}

async function expectNothingWritten(run: () => ReturnType<typeof post>) {
  const before = await totalRows(t.db);
  const res = await run();
  expect(await totalRows(t.db)).toBe(before);
  return res;
}

describe("authentication (nothing beyond the headers is read)", () => {
  it("401 without a key", async () => {
    const { stream, state } = watchedBody();
    const res = await expectNothingWritten(() => post(t.db, stream, {}));
    expect(res.status).toBe(401);
    expect(res.json.error).toMatch(/^Missing API key: send it in the X-API-Key header/);
    expect(res.headers.get("www-authenticate")).toMatch(/^Bearer/);
    expect(state.pulled).toBe(false);
  });

  it.each([
    ["a wrong key", () => alice.key.slice(0, -4) + "AAAA"],
    ["a malformed key", () => "hb_live_short"],
    ["a hash of the key", () => "0".repeat(64)],
  ])("401 with %s", async (_label, key) => {
    const { stream, state } = watchedBody();
    const res = await expectNothingWritten(() => post(t.db, stream, { key: key() }));
    expect(res).toMatchObject({ status: 401, json: { error: "Invalid or revoked API key." } });
    expect(state.pulled).toBe(false);
  });

  it("401 with a revoked key, which worked before", async () => {
    const bob = await userWithKey(t.db, "bob");
    expect((await post(t.db, fixture("health-connect-lifedashboard.json"), { key: bob.key })).status).toBe(200);
    await revokeApiKey(t.db, bob.userId, bob.keyId);
    const { stream, state } = watchedBody();
    const res = await expectNothingWritten(() => post(t.db, stream, { key: bob.key }));
    expect(res).toMatchObject({ status: 401, json: { error: "Invalid or revoked API key." } });
    expect(state.pulled).toBe(false);
  });

  it("reads the body once the key is valid (control for the checks above)", async () => {
    const { stream, state } = watchedBody();
    expect((await post(t.db, stream, { key: alice.key })).status).toBe(200);
    expect(state.pulled).toBe(true);
  });

  it("accepts Authorization: Bearer and ?key= as well as X-API-Key", async () => {
    const u = await userWithKey(t.db);
    const body = fixture("hae-v2-metrics-docderived.json");
    expect((await post(t.db, body, { headers: { authorization: `Bearer ${u.key}` } })).status).toBe(200);
    expect((await post(t.db, body, { query: `?key=${encodeURIComponent(u.key)}` })).status).toBe(200);
  });
});

describe("refused requests write nothing", () => {
  it("429 per key when flooded, with Retry-After, and other keys unaffected", async () => {
    const limiter = new TokenBucketLimiter({ capacity: 2, refillPerSecond: 0.01 });
    const u = await userWithKey(t.db);
    const body = fixture("health-connect-lifedashboard.json");
    for (let i = 0; i < 2; i++) expect((await post(t.db, body, { key: u.key, opts: { limiter } })).status).toBe(200);
    const { stream, state } = watchedBody();
    const res = await expectNothingWritten(() => post(t.db, stream, { key: u.key, opts: { limiter } }));
    expect(res.status).toBe(429);
    expect(res.json.error).toMatch(/^Too many requests for this key; retry in \d+ s\.$/);
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(state.pulled).toBe(false);
    expect((await post(t.db, body, { key: alice.key, opts: { limiter } })).status).toBe(200);
  });

  it.each([
    ["text/plain", /^Content-Type must be application\/json \(got "text\/plain"\)\.$/],
    ["", /^Content-Type must be application\/json \(got none\)\.$/],
    ["application/x-www-form-urlencoded", /^Content-Type must be application\/json/],
    ["application/json; charset=utf-16", /^Only UTF-8 JSON is accepted \(got charset utf-16\)\.$/],
  ])("415 for Content-Type %j", async (type, message) => {
    const res = await expectNothingWritten(() =>
      post(t.db, fixture("hae-v2-metrics-docderived.json"), { key: alice.key, headers: { "content-type": type } }),
    );
    expect(res.status).toBe(415);
    expect(res.json.error).toMatch(message);
  });

  it("accepts application/json with charset=utf-8 and vendor +json types", async () => {
    for (const type of ["application/json; charset=utf-8", "application/vnd.hae+json"])
      expect((await post(t.db, "{\"data\":{\"metrics\":[]}}", { key: alice.key, headers: { "content-type": type } })).status).toBe(200);
  });

  it("413 from Content-Length, before reading", async () => {
    const { stream, state } = watchedBody();
    const res = await expectNothingWritten(() =>
      post(t.db, stream, { key: alice.key, headers: { "content-length": "5000" }, opts: { maxBodyBytes: 4096 } }),
    );
    expect(res).toMatchObject({ status: 413, json: { limit_bytes: 4096 } });
    expect(res.json.error).toMatch(/^The body exceeds the limit of 4096 bytes/);
    expect(state.pulled).toBe(false);
  });

  it("413 while streaming, even after rows were already flushed (rolled back)", async () => {
    const body = heartRatePayload(300);
    const res = await expectNothingWritten(() =>
      post(t.db, chunked(body, 1000), { key: alice.key, opts: { maxBodyBytes: body.length - 10, flushRows: 50 } }),
    );
    expect(res).toMatchObject({ status: 413, json: { limit_bytes: body.length - 10 } });
  });

  it.each([
    ['{"data": {"metrics": [}', 22, 'unexpected "}"'],
    ['{"data": {"metrics": []}', 24, "unexpected end of input"],
    ["", 0, "the body is empty"],
    ['{"data": {"metrics": []}} x', 26, 'unexpected "x"'],
  ])("400 with the byte position for %j", async (body, position, detail) => {
    const res = await expectNothingWritten(() => post(t.db, body, { key: alice.key }));
    expect(res.status).toBe(400);
    expect(res.json).toEqual({ error: `Invalid JSON at byte ${position}: ${detail}`, position });
  });

  it("400 for a syntax error late in a large body, after earlier flushes (rolled back)", async () => {
    const body = heartRatePayload(400, ",}]}]}}");
    const res = await expectNothingWritten(() => post(t.db, chunked(body, 777), { key: alice.key, opts: { flushRows: 50 } }));
    expect(res.status).toBe(400);
    expect(res.json.position).toBe(body.length - 6); // the "}" right after the stray ","
  });

  it("400 for a bad tz", async () => {
    const res = await expectNothingWritten(() =>
      post(t.db, fixture("health-connect-hcwebhook.json"), { key: alice.key, query: "?tz=Mars/Olympus" }),
    );
    expect(res).toMatchObject({ status: 400, json: { error: expect.stringMatching(/^tz must be an IANA time zone/) } });
  });

  it.each([
    ['{"foo": 1}', "The JSON object has none of the fields we recognise."],
    ['{"data": {"foo": [1]}}', "The JSON object has none of the fields we recognise."],
    ["[1, 2]", "The body is a JSON array, not an object."],
    ['"text"', "The body is a JSON string, not an object."],
    ['{"data": {"metrics": []}, "steps": [{"count": 1, "start_time": "2024-01-01T00:00:00Z"}]}', "The body mixes several payload shapes (hae, hc_webhook)."],
  ])("422 for %s", async (body, reason) => {
    const res = await expectNothingWritten(() => post(t.db, body, { key: alice.key }));
    expect(res.status).toBe(422);
    expect(res.json.error).toBe(`${reason} Accepted payloads: ${res.json.accepted}.`);
    expect(res.json.accepted).toMatch(/^Health Auto Export .*Health Connect webhook family.*Health Connect Exports/);
  });

  it("422 for mixed shapes even when the first part was already flushed", async () => {
    const body = heartRatePayload(200, `]}]}, "steps": [{"count": 5, "start_time": "2024-01-01T00:00:00Z"}]}`);
    const res = await expectNothingWritten(() => post(t.db, chunked(body, 500), { key: alice.key, opts: { flushRows: 40 } }));
    expect(res.status).toBe(422);
  });
});

describe("streaming", () => {
  it("gives the same rows and counts in many small flushes as in one", async () => {
    const body = heartRatePayload(1440); // a whole day of minutes
    const a = await userWithKey(t.db);
    const b = await userWithKey(t.db);
    const one = await post(t.db, body, { key: a.key });
    const many = await post(t.db, chunked(body, 333), { key: b.key, opts: { flushRows: 100 } });
    expect(one.status).toBe(200);
    expect(many.json).toEqual(one.json);
    expect(one.json.counts.measurement).toEqual({ inserted: 1440, updated: 0, unchanged: 0 });
    const [ra, rb] = [await rowsOf(t.db, a.userId), await rowsOf(t.db, b.userId)];
    expect(rb).toEqual(ra);
    // mean of 60..66 repeated: 1440 = 205 × 7 + 5 → (205·(60+…+66) + 60+…+64) / 1440
    const mean = (205 * (60 + 61 + 62 + 63 + 64 + 65 + 66) + (60 + 61 + 62 + 63 + 64)) / 1440;
    expect(ra.daily_summary).toEqual([expect.objectContaining({ date: "2024-01-01", avgHr: expect.closeTo(mean, 9) })]);
  });

  it("recomputes a day's totals from stored data when a later request brings only part of it", async () => {
    const u = await userWithKey(t.db);
    const steps = (hh: string, qty: number) =>
      JSON.stringify({ data: { metrics: [{ name: "step_count", units: "count", data: [{ date: `2024-01-02 ${hh}:00:00 -0500`, qty }] }] } });
    await post(t.db, steps("08", 1000), { key: u.key });
    const res = await post(t.db, steps("09", 500), { key: u.key }); // "since last sync": only the new hour
    expect(res.json.counts.daily_summary).toEqual({ inserted: 0, updated: 1, unchanged: 0 });
    expect((await rowsOf(t.db, u.userId)).daily_summary).toEqual([expect.objectContaining({ date: "2024-01-02", steps: 1500 })]);
  });

  it("keeps the last of repeated points and says so", async () => {
    const u = await userWithKey(t.db);
    const point = (qty: number) => ({ date: "2024-01-02 08:00:00 +0000", qty });
    const body = JSON.stringify({ data: { metrics: [{ name: "step_count", units: "count", data: [point(1), point(2)] }] } });
    const res = await post(t.db, body, { key: u.key });
    expect(res.json.counts.measurement.inserted).toBe(1);
    expect(res.json.warnings).toContain("1 data point(s) repeated an earlier one of the same type and time; the last was kept.");
    expect((await rowsOf(t.db, u.userId)).measurement.map((r) => r.value)).toEqual([2]);
  });

  it("a metric sent twice in one body (beyond one batch of rows) stores each point once, with its last value", async () => {
    // The second pass repeats minutes the first already gave: on PostgreSQL they are in the COPY text
    // by then, so the segment is closed and the repeats go through the merge (never twice in one COPY).
    const u = await userWithKey(t.db);
    const pass = (n: number, bpm: number) =>
      Array.from({ length: n }, (_, i) => `{"date":"2024-01-01 ${String(Math.floor(i / 60)).padStart(2, "0")}:${String(i % 60).padStart(2, "0")}:00 +0000","Avg":${bpm}}`);
    const body = `{"data":{"metrics":[{"name":"heart_rate","units":"count/min","data":[${[...pass(600, 60), ...pass(300, 70)].join(",")}]}]}}`;
    const res = await post(t.db, body, { key: u.key });
    expect(res.status).toBe(200);
    const c = res.json.counts.measurement;
    expect(c.inserted).toBe(600);
    const rows = (await rowsOf(t.db, u.userId)).measurement;
    expect(rows).toHaveLength(600);
    expect(rows.filter((r) => r.value === 70)).toHaveLength(300);
    expect(rows.slice(0, 300).every((r) => r.value === 70) && rows.slice(300).every((r) => r.value === 60)).toBe(true);
  });

  it("reports unknown units and unusable points as warnings, never as errors", async () => {
    const u = await userWithKey(t.db);
    const body = JSON.stringify({
      data: {
        metrics: [
          { name: "weight_body_mass", units: "furlong", data: [{ date: "2024-01-02 08:00:00 +0000", qty: 1 }] },
          { name: "step_count", units: "count", data: [{ date: "yesterday", qty: 5 }, { date: "2024-01-02 08:00:00 +0000", qty: "x" }] },
        ],
      },
    });
    const res = await post(t.db, body, { key: u.key });
    expect(res.status).toBe(200);
    expect(res.json.unmapped).toEqual({ count: 1, names: { weight_body_mass: 1 } });
    expect(res.json.warnings).toEqual([
      'weight_body_mass: unit "furlong" is not recognised; its points were kept raw.',
      "2 data point(s) without a usable date or value were skipped.",
    ]);
  });
});

describe("sleep forms beyond the samples", () => {
  it("v2 aggregated without totalSleep and with zero stages (the stage-less real capture) uses asleep; its zeros are unknown", async () => {
    const u = await userWithKey(t.db);
    const entry = { asleep: 4.7, core: 0, deep: 0, rem: 0, awake: 0, sleepStart: "2024-03-01 23:30:00 +0000", sleepEnd: "2024-03-02 06:00:00 +0000", inBed: 0, source: "Oura|iPhone" };
    const res = await post(t.db, JSON.stringify({ data: { metrics: [{ name: "sleep_analysis", units: "hr", data: [entry] }] } }), { key: u.key });
    expect(res.status).toBe(200);
    expect((await rowsOf(t.db, u.userId)).sleep_session).toEqual([
      expect.objectContaining({
        externalId: "night-2024-03-02",
        startAt: new Date("2024-03-01T23:30:00Z"),
        endAt: new Date("2024-03-02T06:00:00Z"),
        asleepS: 4.7 * 3600,
        // A band that records neither stages nor time in bed: not recorded, so unknown, never 0 s.
        lightS: null,
        deepS: null,
        remS: null,
        awakeS: null,
        inBedS: null,
        source: "Oura",
      }),
    ]);
    expect((await rowsOf(t.db, u.userId)).daily_summary).toEqual([expect.objectContaining({ date: "2024-03-02", sleepS: 4.7 * 3600 })]);
  });

  it("a staged night keeps its real zeros (no REM, no time awake)", async () => {
    const u = await userWithKey(t.db);
    const entry = { totalSleep: 7, core: 5, deep: 2, rem: 0, awake: 0, inBed: 7.5, sleepStart: "2024-03-01 23:30:00 +0000", sleepEnd: "2024-03-02 07:00:00 +0000" };
    expect((await post(t.db, JSON.stringify({ data: { metrics: [{ name: "sleep_analysis", units: "hr", data: [entry] }] } }), { key: u.key })).status).toBe(200);
    expect((await rowsOf(t.db, u.userId)).sleep_session).toEqual([
      expect.objectContaining({ asleepS: 7 * 3600, lightS: 5 * 3600, deepS: 2 * 3600, remS: 0, awakeS: 0, inBedS: 7.5 * 3600 }),
    ]);
  });

  it("unaggregated segments with a long gap make a night and a nap", async () => {
    const u = await userWithKey(t.db);
    const seg = (start: string, end: string, value: string) => ({ startDate: `2024-03-02 ${start}:00 +0000`, endDate: `2024-03-02 ${end}:00 +0000`, value });
    const body = { data: { metrics: [{ name: "sleep_analysis", units: "hr", data: [seg("00:00", "06:00", "Core"), seg("14:00", "14:30", "Asleep")] }] } };
    expect((await post(t.db, JSON.stringify(body), { key: u.key })).status).toBe(200);
    const rows = await rowsOf(t.db, u.userId);
    expect(rows.sleep_session.map((s) => [s.externalId, s.isNap, s.asleepS])).toEqual([
      ["nap-2024-03-02T14:00:00.000Z", true, 1800],
      ["night-2024-03-02", false, 6 * 3600],
    ]);
    expect(rows.daily_summary).toEqual([expect.objectContaining({ date: "2024-03-02", sleepS: 6 * 3600 })]); // naps excluded
  });
});

describe("edits replace the earlier version, never add a second", () => {
  const hae = (workouts: unknown[]) => JSON.stringify({ data: { workouts } });
  const hc = (records: Record<string, unknown[]>) => JSON.stringify({ timestamp: "2026-05-09T14:00:00Z", app_version: "2.4.0", ...records });
  const live = <T extends Record<string, unknown>>(rows: T[]) => rows.filter((r) => r.deletedAt === null);
  /** The HC Webhook sample's night: 26 400 s in bed ending 06:10Z, stages summing to 25 800 s asleep. */
  const night = () => JSON.parse(fixture("health-connect-hcwebhook.json")).sleep[0] as Record<string, unknown>;
  const walk = (start: string, end: string) => ({ name: "Outdoor Walk", start, end, distance: { qty: 4.2, units: "km" } });

  it("a Health Auto Export v1 workout re-sent with its end one second later updates the one activity", async () => {
    const u = await userWithKey(t.db);
    await post(t.db, hae([walk("2024-09-28 4:51:59 pm +1000", "2024-09-28 5:40:29 pm +1000")]), { key: u.key });
    const res = await post(t.db, hae([walk("2024-09-28 4:51:59 pm +1000", "2024-09-28 5:40:30 pm +1000")]), { key: u.key });
    expect(res.json.counts.activity).toEqual({ inserted: 0, updated: 1, unchanged: 0 });
    const rows = (await rowsOf(t.db, u.userId)).activity;
    expect(rows.map((a) => [a.endAt, a.durationS, a.deletedAt])).toEqual([[new Date("2024-09-28T07:40:30Z"), 48 * 60 + 31, null]]);
  });

  it("a v1 workout whose start moved (trimmed in Apple Health) replaces the earlier one by overlap", async () => {
    const u = await userWithKey(t.db);
    await post(t.db, hae([walk("2024-09-28 4:51:59 pm +1000", "2024-09-28 5:40:29 pm +1000")]), { key: u.key });
    const res = await post(t.db, hae([walk("2024-09-28 4:55:00 pm +1000", "2024-09-28 5:40:29 pm +1000")]), { key: u.key });
    expect(res.json.counts.activity).toEqual({ inserted: 1, updated: 0, unchanged: 0 });
    expect(res.json.warnings).toEqual([
      "Replaced the earlier version of 1 workout(s) that this request changed (same source, overlapping in time), on 2024-09-28.",
    ]);
    const rows = (await rowsOf(t.db, u.userId)).activity;
    expect(live(rows).map((a) => a.startAt)).toEqual([new Date("2024-09-28T06:55:00Z")]); // 4:55 pm +10:00
    expect(rows).toHaveLength(2);
    expect(rows.find((a) => a.deletedAt)?.startAt).toEqual(new Date("2024-09-28T06:51:59Z"));
    // Re-sending the same edit again changes nothing and replaces nothing more.
    const again = await post(t.db, hae([walk("2024-09-28 4:55:00 pm +1000", "2024-09-28 5:40:29 pm +1000")]), { key: u.key });
    expect(again.json.counts.activity).toEqual({ inserted: 0, updated: 0, unchanged: 1 });
    expect(again.json.warnings).toEqual([]);
  });

  it("a Health Connect night whose end moved five minutes replaces the first: the day keeps 25 800 s, not 51 600 s", async () => {
    const u = await userWithKey(t.db);
    expect((await post(t.db, hc({ sleep: [night()] }), { key: u.key })).status).toBe(200);
    // Same duration, end 5 min later: the derived start (end − duration) moves too, so the id does.
    const edited = { ...night(), session_end_time: "2026-05-09T06:15:00Z" };
    const res = await post(t.db, hc({ sleep: [edited] }), { key: u.key });
    expect(res.status).toBe(200);
    expect(res.json.warnings).toEqual([
      "Replaced the earlier version of 1 sleep session(s) that this request changed (same source, overlapping in time), on 2026-05-09.",
    ]);
    const rows = await rowsOf(t.db, u.userId);
    expect(live(rows.sleep_session).map((x) => [x.startAt, x.endAt, x.asleepS])).toEqual([
      [new Date("2026-05-08T22:55:00Z"), new Date("2026-05-09T06:15:00Z"), 6000 + 4200 + 3600 + 12000],
    ]);
    expect(rows.sleep_session.filter((x) => x.deletedAt).map((x) => x.endAt)).toEqual([new Date("2026-05-09T06:10:00Z")]);
    expect(rows.daily_summary).toEqual([expect.objectContaining({ date: "2026-05-09", sleepS: 25800 })]);
  });

  it("a Health Connect night whose end and duration moved together keeps its start, so its id: updated in place", async () => {
    const u = await userWithKey(t.db);
    await post(t.db, hc({ sleep: [night()] }), { key: u.key });
    const res = await post(t.db, hc({ sleep: [{ ...night(), session_end_time: "2026-05-09T06:15:00Z", duration_seconds: 26400 + 300 }] }), { key: u.key });
    expect(res.json.counts.sleep_session).toEqual({ inserted: 0, updated: 1, unchanged: 0 });
    expect(res.json.warnings).toEqual([]);
    const rows = await rowsOf(t.db, u.userId);
    expect(rows.sleep_session.map((x) => [x.externalId, x.inBedS, x.deletedAt])).toEqual([["sleep-start-2026-05-08T22:50:00.000Z", 26700, null]]);
    expect(rows.daily_summary).toEqual([expect.objectContaining({ date: "2026-05-09", sleepS: 25800 })]);
  });

  it("Health Connect records with metadata.id are keyed on it; two different ids are two records however they overlap", async () => {
    const u = await userWithKey(t.db);
    const run = (id: string, end: string) => ({ type: "56", start_time: "2026-05-09T07:00:00Z", end_time: end, metadata: { id, data_origin: "com.strava" } });
    await post(t.db, hc({ exercise: [run("9f3c0c1e-0000-4000-8000-000000000001", "2026-05-09T07:45:00Z")] }), { key: u.key });
    const edit = await post(t.db, hc({ exercise: [run("9f3c0c1e-0000-4000-8000-000000000001", "2026-05-09T07:50:00Z")] }), { key: u.key });
    expect(edit.json.counts.activity).toEqual({ inserted: 0, updated: 1, unchanged: 0 });
    const other = await post(t.db, hc({ exercise: [run("9f3c0c1e-0000-4000-8000-000000000002", "2026-05-09T07:30:00Z")] }), { key: u.key });
    expect(other.json.warnings).toEqual([]);
    expect(live((await rowsOf(t.db, u.userId)).activity).map((a) => [a.externalId, a.endAt])).toEqual([
      ["9f3c0c1e-0000-4000-8000-000000000001", new Date("2026-05-09T07:50:00Z")],
      ["9f3c0c1e-0000-4000-8000-000000000002", new Date("2026-05-09T07:30:00Z")],
    ]);
  });

  it("leaves alone what is not an earlier version: another type, another source, a nap, another user's", async () => {
    const u = await userWithKey(t.db);
    const other = await userWithKey(t.db);
    const ex = (type: string, start: string, end: string, origin: string) => ({ type, start_time: start, end_time: end, metadata: { data_origin: origin } });
    const first = hc({ exercise: [ex("56", "2026-05-09T07:00:00Z", "2026-05-09T07:45:00Z", "com.sec.android.app.shealth")] });
    await post(t.db, first, { key: u.key });
    await post(t.db, first, { key: other.key });
    const res = await post(
      t.db,
      hc({
        exercise: [
          ex("79", "2026-05-09T07:10:00Z", "2026-05-09T07:40:00Z", "com.sec.android.app.shealth"), // walking, not running
          ex("56", "2026-05-09T07:01:00Z", "2026-05-09T07:46:00Z", "com.strava"), // the same run from another app
        ],
      }),
      { key: u.key },
    );
    expect(res.json.warnings).toEqual([]);
    expect(live((await rowsOf(t.db, u.userId)).activity)).toHaveLength(3);
    // The edit itself replaces u's earlier run only, never the other user's.
    await post(t.db, hc({ exercise: [ex("56", "2026-05-09T07:02:00Z", "2026-05-09T07:45:00Z", "com.sec.android.app.shealth")] }), { key: u.key });
    expect(live((await rowsOf(t.db, u.userId)).activity).map((a) => [a.type, a.source, a.startAt])).toEqual(
      expect.arrayContaining([["running", "com.sec.android.app.shealth", new Date("2026-05-09T07:02:00Z")]]),
    );
    expect(live((await rowsOf(t.db, u.userId)).activity)).toHaveLength(3);
    expect(live((await rowsOf(t.db, other.userId)).activity).map((a) => a.startAt)).toEqual([new Date("2026-05-09T07:00:00Z")]);

  });

  it("a nap replaces an earlier version of that nap, never the night; a night never replaces a nap", async () => {
    const u = await userWithKey(t.db);
    const seg = (start: string, end: string, value: string) => ({ startDate: `2024-03-02 ${start}:00 +0000`, endDate: `2024-03-02 ${end}:00 +0000`, value });
    const segments = (data: unknown[]) => JSON.stringify({ data: { metrics: [{ name: "sleep_analysis", units: "hr", data }] } });
    await post(t.db, segments([seg("00:00", "06:00", "Core"), seg("14:00", "14:30", "Asleep")]), { key: u.key });
    // The nap's start moved (its id is its start): it replaces the first nap; the night is the same row.
    const res = await post(t.db, segments([seg("00:00", "06:00", "Core"), seg("14:05", "14:40", "Asleep")]), { key: u.key });
    expect(res.json.warnings).toEqual([
      "Replaced the earlier version of 1 sleep session(s) that this request changed (same source, overlapping in time), on 2024-03-02.",
    ]);
    expect(live((await rowsOf(t.db, u.userId)).sleep_session).map((x) => [x.externalId, x.isNap, x.asleepS])).toEqual([
      ["nap-2024-03-02T14:05:00.000Z", true, 35 * 60],
      ["night-2024-03-02", false, 6 * 3600],
    ]);
    // A long afternoon sleep that is now the day's main sleep overlaps the nap but is not its version.
    const other = await userWithKey(t.db);
    await post(t.db, segments([seg("13:00", "15:00", "Asleep")]), { key: other.key }); // alone: the night of 2024-03-02
    const later = await post(t.db, segments([seg("01:00", "07:00", "Core"), seg("13:30", "14:30", "Asleep")]), { key: other.key });
    expect(later.json.warnings).toEqual([]); // the 13:30 nap overlaps the stored 13:00–15:00 night: different kinds
    expect((await rowsOf(t.db, other.userId)).sleep_session.map((x) => [x.externalId, x.isNap, x.deletedAt])).toEqual([
      ["nap-2024-03-02T13:30:00.000Z", true, null],
      ["night-2024-03-02", false, null], // updated in place to 01:00–07:00
    ]);
  });
});

describe("not recorded is not zero (Health Connect)", () => {
  it("stages of 0 s or unknown say nothing: the session counts as one without stages", async () => {
    const u = await userWithKey(t.db);
    const rec = {
      session_end_time: "2026-05-09T06:00:00Z",
      duration_seconds: 28800,
      stages: [
        { stage: "4", start_time: "2026-05-08T22:00:00Z", end_time: "2026-05-08T22:00:00Z", duration_seconds: 0 },
        { stage: "0", start_time: "2026-05-08T22:00:00Z", end_time: "2026-05-09T06:00:00Z", duration_seconds: 28800 },
      ],
    };
    const body = JSON.stringify({ timestamp: "2026-05-09T14:00:00Z", app_version: "2.4.0", sleep: [rec] });
    expect((await post(t.db, body, { key: u.key })).status).toBe(200);
    expect((await rowsOf(t.db, u.userId)).sleep_session).toEqual([
      // Not 0 s asleep and 0 s light: the session's 8 h, stages unknown.
      expect.objectContaining({ asleepS: 28800, inBedS: 28800, lightS: null, deepS: null, remS: null, awakeS: null }),
    ]);
  });
});

describe("tenants", () => {
  it("user B sending user A's workout id creates B's own row and leaves A's untouched", async () => {
    const a = await userWithKey(t.db, "tenant-a");
    const b = await userWithKey(t.db, "tenant-b");
    const sample = fixture("hae-v2-workouts-docderived.json");
    expect((await post(t.db, sample, { key: a.key })).status).toBe(200);
    const before = await rowsOf(t.db, a.userId);
    const forged = JSON.parse(sample);
    forged.data.workouts[0].distance = { qty: 1, units: "km" };
    forged.data.workouts[0].userId = a.userId; // ignored: the key decides the owner
    const res = await post(t.db, JSON.stringify(forged), { key: b.key });
    expect(res.json.counts.activity).toEqual({ inserted: 1, updated: 0, unchanged: 0 });
    expect(await rowsOf(t.db, a.userId)).toEqual(before);
    const owners = await t.db
      .select({ userId: activities.userId, distanceM: activities.distanceM })
      .from(activities)
      .where(eq(activities.externalId, "550E8400-E29B-41D4-A716-446655440000"));
    expect(owners).toHaveLength(2);
    expect(owners.find((o) => o.userId === b.userId)?.distanceM).toBe(1000);
    expect(owners.find((o) => o.userId === a.userId)?.distanceM).toBeCloseTo(3.5 * 1609.344, 9);
  });
});

describe("handleIngest", () => {
  it("answers JSON with counts, unmapped, refused and warnings", async () => {
    const u = await userWithKey(t.db);
    const res = await handleIngest(
      t.db,
      new Request(ingestUrl(), {
        method: "POST",
        headers: { "content-type": "application/json", "x-api-key": u.key },
        body: fixture("hae-v2-all-metrics-imperial-synthetic.json"),
      }),
      { maxBodyBytes: 1 << 20 },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json; charset=utf-8");
    const body = await res.json();
    expect(Object.keys(body)).toEqual(["format", "counts", "unmapped", "refused", "warnings"]);
    expect(body.refused).toEqual({ count: 0, points: [] }); // every synthetic value is plausible
  });
});

describe("an account deleted while a request is in flight", () => {
  /** A body whose first `head` bytes come at once and the rest when `release` is called. */
  function gatedBody(text: string, head: number) {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const bytes = new TextEncoder().encode(text);
    async function* body() {
      yield bytes.slice(0, head);
      await gate;
      yield bytes.slice(head);
    }
    return { body: body(), release };
  }
  /** Resolves once a backend of this database matches `condition` (on pg_stat_activity). */
  async function waitFor(condition: string) {
    for (;;) {
      const rows = (await t.db.execute(
        sql.raw(`SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND ${condition}`),
      )) as unknown as unknown[];
      if (rows.length) return;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  /** Resolves once a backend waits for a lock in a statement starting with `statement`. */
  const lockWaitOf = (statement: string) => waitFor(`wait_event_type = 'Lock' AND query ILIKE '${statement}%'`);
  const count = (userId: string) => t.db.$count(measurements, eq(measurements.userId, userId));
  async function* bodyOf(text: string) {
    yield new TextEncoder().encode(text);
  }

  it("410 when the user is gone by the time the request is written, and nothing is written", async () => {
    const u = await userWithKey(t.db);
    await t.db.delete(users).where(eq(users.id, u.userId));
    const before = await totalRows(t.db);
    const err = await ingestStream(t.db, u.userId, bodyOf(heartRatePayload(10)), { maxBodyBytes: 1e6 }).catch((e) => e);
    expect(err).toBeInstanceOf(IngestHttpError);
    expect(err.status).toBe(410);
    expect(await totalRows(t.db)).toBe(before);
  });

  it.runIf(process.env.DATABASE_URL)("a deletion during the request waits for it, then deletes what it wrote (PostgreSQL)", async () => {
    const u = await userWithKey(t.db);
    const { body, release } = gatedBody(heartRatePayload(600), 20_000);
    // flushRows 1: the transaction (and its lock on the user) opens with the first point.
    const ingest = ingestStream(t.db, u.userId, body, { maxBodyBytes: 1e6, flushRows: 1 });
    // The request's transaction has locked the user row once it has an xid (BEGIN alone gets none).
    await waitFor(`state = 'idle in transaction' AND backend_xid IS NOT NULL`);
    const deletion = t.db.delete(users).where(eq(users.id, u.userId));
    const deleted = deletion.then(() => "deleted");
    await lockWaitOf("delete from");
    release();
    const result = await ingest;
    expect(result.counts.measurement.inserted).toBe(600);
    expect(await deleted).toBe("deleted");
    expect(await count(u.userId)).toBe(0);
  });

  it.runIf(process.env.DATABASE_URL)("a row a concurrent writer inserts after the range check sends the segment to the merge (PostgreSQL)", async () => {
    const u = await userWithKey(t.db);
    let commit!: () => void;
    const committed = new Promise<void>((r) => (commit = r));
    let inserted!: () => void;
    const insertedRow = new Promise<void>((r) => (inserted = r));
    const writer = t.db.transaction(async (tx) => {
      await tx.insert(measurements).values({
        userId: u.userId,
        provider: "apple_health",
        type: "heart_rate",
        measuredAt: new Date("2024-01-01T00:05:00Z"),
        value: 1,
        unit: "bpm",
      });
      inserted();
      await committed;
    });
    await insertedRow;
    // The range check cannot see the uncommitted row: the request COPYs and waits on its key.
    const ingest = ingestStream(t.db, u.userId, bodyOf(heartRatePayload(10)), { maxBodyBytes: 1e6 });
    await lockWaitOf("copy measurement");
    commit();
    await writer;
    const result = await ingest;
    expect(result.counts.measurement).toEqual({ inserted: 9, updated: 1, unchanged: 0 });
    const rows = await t.db.select().from(measurements).where(eq(measurements.userId, u.userId));
    expect(rows).toHaveLength(10);
    expect(rows.find((r) => r.measuredAt.getTime() === Date.parse("2024-01-01T00:05:00Z"))?.value).toBe(65);
  });
});
