import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createApiKey } from "@/lib/api-keys";
import { post, userWithKey } from "@/lib/ingest/testing";
import { upsertBatch } from "@/lib/normalize/upsert";
import { dailySeries } from "@/lib/reconcile/read";
import { reconcileQuietly } from "@/lib/reconcile/store";
import { testDb, type TestDb } from "@/test/db";

/**
 * /api/observations (the plain JSON view) through its real route handler, with data landed through
 * the real ingest path; each answer is compared with what /api/fhir/Observation says for the same rows.
 */

const state = vi.hoisted(() => ({ db: null as unknown, session: null as null | { id: string; email: string } }));
vi.mock("@/lib/db", async (importOriginal) => ({ ...(await importOriginal<typeof import("@/lib/db")>()), getDb: async () => state.db }));
vi.mock("@/lib/auth/session", async (importOriginal) => ({
  ...(await importOriginal<typeof import("@/lib/auth/session")>()),
  getSessionUser: async () => state.session,
}));

const route = await import("./route");
const fhirRoute = await import("../fhir/Observation/route");

let t: TestDb;
beforeAll(async () => {
  t = await testDb();
  state.db = t.db;
});
afterAll(async () => t?.close());

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers are checked by value
type Json = Record<string, any>;

async function get(query: string, token?: string | null): Promise<{ status: number; json: Json; headers: Headers }> {
  const res = await route.GET(new Request(`http://localhost:3000/api/observations${query}`, { headers: token ? { authorization: `Bearer ${token}` } : {} }));
  expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  return { status: res.status, json: (await res.json()) as Json, headers: res.headers };
}

async function fhir(query: string, token: string): Promise<Json[]> {
  const res = await fhirRoute.GET(new Request(`http://localhost:3000/api/fhir/Observation${query}`, { headers: { authorization: `Bearer ${token}` } }));
  expect(res.status).toBe(200);
  return ((await res.json()) as Json).entry.map((e: Json) => e.resource);
}

const hae = (metrics: unknown[] = [], workouts: unknown[] = []) => JSON.stringify({ data: { metrics, workouts } });

async function fhirUser(label: string) {
  const u = await userWithKey(t.db, label);
  const token = await createApiKey(t.db, u.userId, "PHR app", "fhir");
  return { ...u, token: token.key };
}

async function ingest(key: string, body: string) {
  const res = await post(t.db, body, { key });
  expect(res.status, JSON.stringify(res.json)).toBe(200);
}

const HR_POINTS = [
  { date: "2024-05-02 10:00:00 +0200", Avg: 62, source: "Apple Watch" },
  { date: "2024-05-02 10:05:00 +0200", Avg: 71, source: "Apple Watch" },
  { date: "2024-05-02 10:10:00 +0200", Avg: 80, source: "Apple Watch" },
  { date: "2024-05-03 23:30:00 +0200", Avg: 55, source: "Apple Watch" },
];

describe("/api/observations", () => {
  let u: Awaited<ReturnType<typeof fhirUser>>;
  beforeAll(async () => {
    u = await fhirUser("simple-main");
    await ingest(
      u.key,
      hae(
        [
          { name: "heart_rate", units: "count/min", data: HR_POINTS },
          { name: "blood_pressure", units: "mmHg", data: [{ date: "2024-05-02 08:00:00 +0200", systolic: 121, diastolic: 79, source: "Withings BPM" }] },
          { name: "step_count", units: "count", data: [{ date: "2024-05-02 09:00:00 +0200", qty: 1200, source: "Apple Watch" }, { date: "2024-05-03 09:00:00 +0200", qty: 3400, source: "Apple Watch" }] },
        ],
        [{ id: "RUN-1", name: "Outdoor Run", start: "2024-05-02 06:00:00 +0200", end: "2024-05-02 06:30:00 +0200", duration: 1800, avgHeartRate: { qty: 150, units: "bpm" } }],
      ),
    );
    // Withings sends the watch's first reading again 20 s later: one reading, from Withings (ranked higher).
    await upsertBatch(t.db, u.userId, {
      measurements: [{ provider: "withings", type: "heart_rate", measuredAt: new Date("2024-05-02T08:00:20Z"), value: 63, unit: "bpm", source: null, raw: null }],
    });
    await reconcileQuietly(t.db, u.userId);
  });

  it("heart rate: the FHIR search's readings, flattened, with LOINC code and unit", async () => {
    const res = await get("?observation_type=heart_rate", u.token);
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.json).toMatchObject({ total: 4, page: 1, page_size: 50, has_more: false });
    const obs = res.json.observations as Json[];
    expect(obs.map((o) => o.value)).toEqual([63, 71, 80, 55]);
    expect(obs[0]).toEqual({
      id: expect.stringMatching(/^m-/),
      code: "8867-4",
      code_system: "http://loinc.org",
      display: "Heart rate",
      value: 63,
      unit: "beats/minute",
      effective_datetime: "2024-05-02T08:00:20Z",
      patient_id: u.userId,
    });
    const same = await fhir("?code=http://loinc.org|8867-4", u.token);
    expect(obs.map((o) => o.id)).toEqual(same.map((r) => r.id));
    expect(obs.map((o) => o.effective_datetime)).toEqual(same.map((r) => r.effectiveDateTime));
  });

  it("pages are numbered; their concatenation is the whole list; has_more says when to stop", async () => {
    const all = (await get("?observation_type=heart_rate", u.token)).json.observations as Json[];
    const seen: Json[] = [];
    for (let page = 1; ; page++) {
      const res = await get(`?observation_type=heart_rate&page=${page}&page_size=3`, u.token);
      expect(res.json).toMatchObject({ total: 4, page, page_size: 3 });
      seen.push(...res.json.observations);
      if (!res.json.has_more) break;
      expect(page).toBeLessThan(5);
    }
    expect(seen).toEqual(all);
    const beyond = await get("?observation_type=heart_rate&page=3&page_size=3", u.token);
    expect(beyond.json).toMatchObject({ observations: [], total: 4, has_more: false });
  });

  it("date_from and date_to are inclusive, a date being the whole day in the user's zone", async () => {
    const day = await get("?observation_type=heart_rate&date_from=2024-05-02&date_to=2024-05-02", u.token);
    expect(day.json.observations.map((o: Json) => o.value)).toEqual([63, 71, 80]);
    expect(day.json.total).toBe(3);
    const instant = await get(`?observation_type=heart_rate&date_from=${encodeURIComponent("2024-05-02T08:04:00Z")}`, u.token);
    expect(instant.json.observations.map((o: Json) => o.value)).toEqual([71, 80, 55]);
    const until = await get(`?observation_type=heart_rate&date_to=${encodeURIComponent("2024-05-02T08:05:00Z")}`, u.token);
    expect(until.json.observations.map((o: Json) => o.value)).toEqual([63, 71]);
  });

  it("daily steps are the reconciled record; several types at once; blood pressure and workouts keep their parts", async () => {
    const steps = (await get("?observation_type=steps", u.token)).json.observations as Json[];
    const series = await dailySeries(t.db, u.userId, { from: "2024-05-01", to: "2024-05-04", metric: ["steps"] });
    expect(steps.map((o) => [o.effective_datetime, o.value])).toEqual(series.filter((d) => d.metrics.steps).map((d) => [d.date, d.metrics.steps!.value]));
    expect(steps[0]).toMatchObject({ code: "41950-7", code_system: "http://loinc.org", unit: "steps/day" });
    const bp = (await get("?observation_type=blood_pressure", u.token)).json.observations as Json[];
    expect(bp).toHaveLength(1);
    expect(bp[0]).toMatchObject({ code: "85354-9", value: null, unit: null });
    expect(bp[0].components.map((c: Json) => [c.code, c.value, c.unit])).toEqual([["8480-6", 121, "mmHg"], ["8462-4", 79, "mmHg"]]);
    const both = await get("?observation_type=steps,workout", u.token);
    expect(both.json.total).toBe(3);
    const run = both.json.observations.find((o: Json) => o.id.startsWith("w-"));
    expect(run).toMatchObject({ code: "73985-4", effective_datetime: "2024-05-02T06:00:00+02:00" });
    expect(run.components.find((c: Json) => c.code === "55425-3").value).toBe(150);
    // Without a type: everything the FHIR search has.
    const everything = await get("?page_size=1000", u.token);
    expect(everything.json.observations.map((o: Json) => o.id)).toEqual((await fhir("?_count=1000", u.token)).map((r) => r.id));
  });

  it("400 with the reason for each bad parameter", async () => {
    const cases: Array<[string, RegExp]> = [
      ["?observation_type=pulse", /observation_type.*pulse.*known: heart_rate/],
      ["?observation_type=heart_rate,bogus", /bogus/],
      ["?date_from=2024-13-01", /date_from.*calendar date/],
      ["?date_to=2024-05-01T10:00", /date_to/],
      ["?page=0", /page must be a whole number from 1/],
      ["?page=two", /page must be a whole number/],
      ["?page_size=5000", /page_size must be a whole number from 1 to 1000/],
      ["?page=11&page_size=1000", /at most 10000/],
      ["?colour=blue", /colour/],
      ["?page=1&page=2", /once \(page\)/],
      ["?date_from=2024-05-03&date_to=2024-05-02", /date_from must not be after date_to/],
    ];
    for (const [q, why] of cases) {
      const res = await get(q, u.token);
      expect(res.status, q).toBe(400);
      expect(res.json.error, q).toMatch(why);
    }
  });

  it("401 without a FHIR token (a bridge key is not one); the session works; another user sees nothing", async () => {
    const none = await get("");
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toMatch(/^Bearer/);
    expect((await get("", u.key)).status).toBe(401);
    state.session = { id: u.userId, email: "x@example.com" };
    try {
      expect((await get("?observation_type=heart_rate")).json.total).toBe(4);
    } finally {
      state.session = null;
    }
    const other = await fhirUser("simple-other");
    expect((await get("", other.token)).json).toMatchObject({ observations: [], total: 0, has_more: false });
  });
});
