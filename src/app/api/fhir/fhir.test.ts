import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { profileErrors, r4Validator, ucumErrors } from "@sim/providers/fhir";
import { createApiKey, revokeApiKey } from "@/lib/api-keys";
import { UCUM } from "@/lib/fhir/codes";
import { post, userWithKey } from "@/lib/ingest/testing";
import { upsertBatch } from "@/lib/normalize/upsert";
import { dailySeries } from "@/lib/reconcile/read";
import { reconcileQuietly } from "@/lib/reconcile/store";
import { markDeleted } from "@/lib/sync/deletions";
import { testDb, type TestDb } from "@/test/db";

/**
 * /api/fhir through the real route handlers (getDb and the session are the only seams), with data
 * landed through the real ingest path. Every resource any test receives is validated against the
 * official R4 JSON schema, and every Quantity must carry a UCUM system and code.
 */

const state = vi.hoisted(() => ({ db: null as unknown, session: null as null | { id: string; email: string } }));
vi.mock("@/lib/db", async (importOriginal) => ({ ...(await importOriginal<typeof import("@/lib/db")>()), getDb: async () => state.db }));
vi.mock("@/lib/auth/session", async (importOriginal) => ({
  ...(await importOriginal<typeof import("@/lib/auth/session")>()),
  getSessionUser: async () => state.session,
}));

const routes = {
  metadata: await import("./metadata/route"),
  patient: await import("./Patient/[id]/route"),
  devices: await import("./Device/route"),
  device: await import("./Device/[id]/route"),
  observations: await import("./Observation/route"),
  observation: await import("./Observation/[id]/route"),
  other: await import("./[...path]/route"),
};

// The official R4 schema (draft-06) with ajv 8: the same validator the simulated FHIR server uses.
const validatorFor = r4Validator;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- resources are checked by value
type Json = Record<string, any>;

function expectValid(resource: Json) {
  expect(typeof resource.resourceType).toBe("string");
  const validate = validatorFor(resource.resourceType);
  const ok = validate(resource);
  expect(ok, `${resource.resourceType}/${resource.id}: ${JSON.stringify(validate.errors?.slice(0, 3))}`).toBe(true);
  // Nested resources (Bundle entries) are checked one by one too, for a precise message.
  for (const e of resource.entry ?? []) expectValid(e.resource);
  const quantities: Json[] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === "object") {
      const o = v as Json;
      if ("valueQuantity" in o) quantities.push(o.valueQuantity);
      Object.values(o).forEach(walk);
    }
  };
  walk(resource);
  for (const q of quantities) {
    expect(q.system).toBe(UCUM);
    expect(typeof q.code).toBe("string");
    expect(typeof q.value).toBe("number");
  }
  // What the schema cannot see: @medplum/core against the base definition and every claimed profile,
  // and each code's UCUM unit (from an independent table).
  expect(profileErrors(resource), `${resource.resourceType}/${resource.id}`).toEqual([]);
  expect(ucumErrors(resource), `${resource.resourceType}/${resource.id}`).toEqual([]);
  if (resource.resourceType === "Observation" && resource.category.some((c: Json) => c.coding.some((x: Json) => x.code === "vital-signs")))
    expect(resource.meta?.profile?.some((p: string) => p.startsWith("http://hl7.org/fhir/StructureDefinition/")), `${resource.id} claims no vital-signs profile`).toBe(true);
  if (resource.resourceType === "Observation" && resource.meta?.profile?.some((p: string) => p.startsWith("http://hl7.org/fhir/StructureDefinition/"))) {
    // R4 vital-signs profile: VSCat category, subject, effective[x] at least to the day, value or components.
    expect(resource.category.some((c: Json) => c.coding.some((x: Json) => x.code === "vital-signs"))).toBe(true);
    expect(resource.subject.reference).toMatch(/^Patient\//);
    expect(resource.effectiveDateTime ?? resource.effectivePeriod?.start).toMatch(/^\d{4}-\d{2}-\d{2}/);
    expect(resource.valueQuantity ?? resource.component).toBeTruthy();
  }
}

let t: TestDb;
beforeAll(async () => {
  t = await testDb();
  state.db = t.db;
});
afterAll(async () => t?.close());

const BASE = "http://localhost:3000/api/fhir";

type Got = { status: number; headers: Headers; json: Json };

/** GET a FHIR path through the route handler that serves it. */
async function get(pathAndQuery: string, o: { token?: string | null; headers?: Record<string, string> } = {}): Promise<Got> {
  const headers: Record<string, string> = { accept: "application/fhir+json", ...o.headers };
  if (o.token) headers.authorization = `Bearer ${o.token}`;
  const url = pathAndQuery.startsWith("http") ? pathAndQuery : `${BASE}${pathAndQuery}`;
  const request = new Request(url, { headers });
  const p = new URL(url).pathname.replace("/api/fhir", "");
  const params = (id: string) => ({ params: Promise.resolve({ id: decodeURIComponent(id) }) });
  let res: Response;
  let m: RegExpExecArray | null;
  if (p === "/metadata") res = routes.metadata.GET(request);
  else if (p === "/Device") res = await routes.devices.GET(request);
  else if (p === "/Observation") res = await routes.observations.GET(request);
  else if ((m = /^\/Patient\/([^/]+)$/.exec(p))) res = await routes.patient.GET(request, params(m[1]));
  else if ((m = /^\/Device\/([^/]+)$/.exec(p))) res = await routes.device.GET(request, params(m[1]));
  else if ((m = /^\/Observation\/([^/]+)$/.exec(p))) res = await routes.observation.GET(request, params(m[1]));
  else res = await routes.other.GET(request, { params: Promise.resolve({ path: p.slice(1).split("/") }) });
  expect(res.headers.get("content-type")).toMatch(/^application\/fhir\+json/);
  const json = (await res.json()) as Json;
  expectValid(json);
  return { status: res.status, headers: res.headers, json };
}

const hae = (metrics: unknown[] = [], workouts: unknown[] = []) => JSON.stringify({ data: { metrics, workouts } });

async function ingest(key: string, body: string) {
  const res = await post(t.db, body, { key });
  expect(res.status, JSON.stringify(res.json)).toBe(200);
}

async function fhirUser(label: string) {
  const u = await userWithKey(t.db, label);
  const token = await createApiKey(t.db, u.userId, "PHR app", "fhir");
  return { ...u, token: token.key, tokenId: token.id };
}

const HR = "http://loinc.org|8867-4";
const codesOf = (b: Json) => (b.entry ?? []).filter((e: Json) => e.search.mode === "match").map((e: Json) => e.resource);
const ids = (b: Json) => codesOf(b).map((r: Json) => r.id);

/** Follows `next` links to the end. */
async function allPages(first: string, token: string): Promise<Json[]> {
  const out: Json[] = [];
  let url: string | undefined = first;
  for (let i = 0; url && i < 100; i++) {
    const page = await get(url, { token });
    expect(page.status).toBe(200);
    out.push(...codesOf(page.json));
    url = page.json.link.find((l: Json) => l.relation === "next")?.url;
  }
  return out;
}

describe("the validator", () => {
  it("rejects what R4 forbids (so the checks below can fail)", () => {
    const v = validatorFor("Observation");
    const good = { resourceType: "Observation", status: "final", code: { text: "x" }, valueQuantity: { value: 1, system: UCUM, code: "/min" } };
    expect(v(good)).toBe(true);
    expect(v({ ...good, valueQuantity: { value: "1" } })).toBe(false);
    expect(v({ ...good, status: "done" })).toBe(false);
    expect(v({ ...good, effectiveInstant: "yesterday" })).toBe(false);
    expect(v({ ...good, colour: "blue" })).toBe(false);
  });
});

describe("the profile and unit checks", () => {
  const heartRate = {
    resourceType: "Observation",
    meta: { profile: ["http://hl7.org/fhir/StructureDefinition/heartrate"] },
    status: "final",
    category: [{ coding: [{ system: "http://terminology.hl7.org/CodeSystem/observation-category", code: "vital-signs" }] }],
    code: { coding: [{ system: "http://loinc.org", code: "8867-4", display: "Heart rate" }] },
    subject: { reference: "Patient/123" },
    effectiveDateTime: "2026-03-07T17:29:00+01:00",
    valueQuantity: { value: 72, unit: "beats/minute", system: UCUM, code: "/min" },
  };
  it("accept shared/fhir.md's minimal heart rate and reject what the profile or the unit table forbids", () => {
    expect(profileErrors(heartRate)).toEqual([]);
    expect(ucumErrors(heartRate)).toEqual([]);
    const without = <T extends object>(o: T, key: keyof T) => Object.fromEntries(Object.entries(o).filter(([k]) => k !== key));
    const noCategory = { ...without(heartRate, "category"), resourceType: "Observation" };
    expect(profileErrors(noCategory).join()).toMatch(/heartrate.*category/i);
    expect(profileErrors({ ...heartRate, status: undefined }).join()).toMatch(/status/);
    expect(profileErrors({ ...heartRate, code: { coding: [{ system: "http://loinc.org", code: "8310-5" }] } }).join()).toMatch(/HeartRateCode/);
    expect(profileErrors({ ...heartRate, meta: { profile: ["http://example.org/StructureDefinition/mine"] } }).join()).toMatch(/does not know/);
    // bp: medplum's false alarm on the component slices is replaced by a check that can fail.
    const mmHg = (code: string, value: number) => ({ code: { coding: [{ system: "http://loinc.org", code }] }, valueQuantity: { value, unit: "mmHg", system: UCUM, code: "mm[Hg]" } });
    const panel = without(heartRate, "valueQuantity");
    const bp = { ...panel, meta: { profile: ["http://hl7.org/fhir/StructureDefinition/bp"] }, code: { coding: [{ system: "http://loinc.org", code: "85354-9" }] }, component: [mmHg("8480-6", 120), mmHg("8462-4", 80)] };
    expect(profileErrors(bp)).toEqual([]);
    expect(profileErrors({ ...bp, component: [mmHg("8480-6", 120), mmHg("8480-6", 80)] }).join()).toMatch(/DiastolicBP \(LOINC 8462-4\) wants 1, found 0/);
    expect(profileErrors({ ...bp, component: [mmHg("8480-6", 120), { ...mmHg("8462-4", 80), valueQuantity: { value: 80, system: UCUM, code: "mmHg" } }] }).join()).toMatch(/DiastolicBP needs a value in mm\[Hg\]/);
    expect(ucumErrors({ ...heartRate, valueQuantity: { ...heartRate.valueQuantity, code: "bpm" } }).join()).toMatch(/8867-4 wants \/min, got bpm/);
    expect(ucumErrors({ ...heartRate, code: { coding: [{ system: "http://loinc.org", code: "0000-0" }] } }).join()).toMatch(/no expected unit/);
  });
});

describe("metadata", () => {
  it("is a CapabilityStatement for R4 that lists the Observation search parameters, without a token", async () => {
    const res = await get("/metadata");
    expect(res.status).toBe(200);
    expect(res.json.resourceType).toBe("CapabilityStatement");
    expect(res.json.fhirVersion).toBe("4.0.1");
    const obs = res.json.rest[0].resource.find((r: Json) => r.type === "Observation");
    expect(obs.searchParam.map((p: Json) => p.name)).toEqual(expect.arrayContaining(["code", "date", "category", "patient", "subject", "device", "_lastUpdated", "_count", "_sort", "_summary"]));
  });
});

describe("Observations from the ingest path", () => {
  let u: Awaited<ReturnType<typeof fhirUser>>;
  beforeAll(async () => {
    u = await fhirUser("fhir-main");
    await ingest(
      u.key,
      hae(
        [
          {
            name: "heart_rate",
            units: "count/min",
            data: [
              { date: "2024-05-02 10:00:00 +0200", Min: 60, Avg: 62, Max: 64, source: "Apple Watch" },
              { date: "2024-05-02 10:05:00 +0200", Min: 70, Avg: 71, Max: 72, source: "Apple Watch" },
              { date: "2024-05-02 10:10:00 +0200", Min: 80, Avg: 80, Max: 80, source: "Apple Watch" },
            ],
          },
          { name: "blood_pressure", units: "mmHg", data: [{ date: "2024-05-02 08:00:00 +0200", systolic: 121, diastolic: 79, source: "Withings BPM" }] },
          { name: "weight_body_mass", units: "kg", data: [{ date: "2024-05-02 07:00:00 +0200", qty: 72.4, source: "Withings Body+" }] },
          {
            name: "step_count",
            units: "count",
            data: [
              { date: "2024-05-02 09:00:00 +0200", qty: 1200, source: "Apple Watch" },
              { date: "2024-05-02 18:00:00 +0200", qty: 800, source: "Apple Watch" },
            ],
          },
        ],
        [
          {
            id: "RUN-1",
            name: "Outdoor Run",
            start: "2024-05-02 06:00:00 +0200",
            end: "2024-05-02 06:30:00 +0200",
            duration: 1800,
            activeEnergyBurned: { qty: 300, units: "kcal" },
            distance: { qty: 5, units: "km" },
            avgHeartRate: { qty: 150, units: "bpm" },
            maxHeartRate: { qty: 170, units: "bpm" },
          },
        ],
      ),
    );
    // Withings itself sends the same weighing 30 s later and a heart rate 20 s after the watch's
    // first: one reading each, from the provider ranked higher (withings over the phone bridge).
    await upsertBatch(t.db, u.userId, {
      measurements: [
        { provider: "withings", type: "weight", measuredAt: new Date("2024-05-02T05:00:30Z"), value: 72.4, unit: "kg", source: null, raw: null },
        { provider: "withings", type: "heart_rate", measuredAt: new Date("2024-05-02T08:00:20Z"), value: 63, unit: "bpm", source: null, raw: null },
      ],
    });
    await reconcileQuietly(t.db, u.userId);
  });

  it("heart rate: three readings, the duplicate counted once from the better-ranked source, as vital signs", async () => {
    const res = await get(`/Observation?code=${encodeURIComponent(HR)}`, { token: u.token });
    expect(res.status).toBe(200);
    expect(res.json.type).toBe("searchset");
    const obs = codesOf(res.json);
    expect(res.json.total).toBe(3);
    expect(obs.map((o: Json) => o.valueQuantity.value)).toEqual([63, 71, 80]);
    expect(obs.map((o: Json) => o.effectiveDateTime)).toEqual(["2024-05-02T08:00:20Z", "2024-05-02T10:05:00+02:00", "2024-05-02T10:10:00+02:00"]);
    expect(obs[0].meta.profile).toEqual(["http://hl7.org/fhir/StructureDefinition/heartrate"]);
    expect(obs[0].valueQuantity).toMatchObject({ unit: "beats/minute", code: "/min" });
    expect(obs.every((o: Json) => o.subject.reference === `Patient/${u.userId}`)).toBe(true);
    // The device of each points at a Device this user can read.
    const devices = new Set(obs.map((o: Json) => o.device.reference));
    expect(devices.size).toBe(2);
    for (const ref of devices) {
      const d = await get(`/${ref}`, { token: u.token });
      expect(d.status).toBe(200);
      expect(d.json.resourceType).toBe("Device");
    }
  });

  it("blood pressure is one panel with systolic and diastolic components in mm[Hg]", async () => {
    const res = await get(`/Observation?code=${encodeURIComponent("http://loinc.org|85354-9")}`, { token: u.token });
    const [bp] = codesOf(res.json);
    expect(res.json.total).toBe(1);
    expect(bp.meta.profile).toEqual(["http://hl7.org/fhir/StructureDefinition/bp"]);
    expect(bp.component.map((c: Json) => [c.code.coding[0].code, c.valueQuantity.value, c.valueQuantity.code])).toEqual([
      ["8480-6", 121, "mm[Hg]"],
      ["8462-4", 79, "mm[Hg]"],
    ]);
    // Read by id gives the same resource.
    const one = await get(`/Observation/${bp.id}`, { token: u.token });
    expect(one.json).toEqual(bp);
  });

  it("code with comma is OR; the daily weight is marked as a reconciled value", async () => {
    const res = await get(`/Observation?code=${encodeURIComponent(`${HR},http://loinc.org|29463-7`)}`, { token: u.token });
    const weights = codesOf(res.json).filter((o: Json) => o.code.coding[0].code === "29463-7");
    // One weighing (Withings wins the 30 s pair) and the reconciled daily weight.
    expect(weights.map((w: Json) => [w.device?.reference.startsWith("Device/withings"), !!w.meta.tag])).toEqual([
      [true, true],
      [true, false],
    ]);
    expect(res.json.total).toBe(3 + 2);
  });

  it("daily steps equal the reconciled record and carry LOINC 41950-7 per day", async () => {
    const res = await get(`/Observation?code=${encodeURIComponent("http://loinc.org|41950-7")}`, { token: u.token });
    const [steps] = codesOf(res.json);
    const [day] = await dailySeries(t.db, u.userId, { from: "2024-05-02", to: "2024-05-02", metric: ["steps"] });
    expect(steps.valueQuantity).toMatchObject({ value: day.metrics.steps!.value, code: "/d", system: UCUM });
    expect(steps.valueQuantity.value).toBe(1200 + 800);
    expect(steps.effectiveDateTime).toBe("2024-05-02");
    expect(steps.id).toBe("d-2024-05-02-steps");
  });

  it("date prefixes at instant and day precision", async () => {
    const hr = encodeURIComponent(HR);
    const between = await get(`/Observation?code=${hr}&date=ge2024-05-02T10:05:00%2B02:00&date=lt2024-05-02T10:10:00%2B02:00`, { token: u.token });
    expect(codesOf(between.json).map((o: Json) => o.valueQuantity.value)).toEqual([71]);
    const gt = await get(`/Observation?code=${hr}&date=gt2024-05-02T10:05%2B02:00`, { token: u.token });
    expect(codesOf(gt.json).map((o: Json) => o.valueQuantity.value)).toEqual([80]);
    const le = await get(`/Observation?code=${hr}&date=le2024-05-02T08:00:20Z`, { token: u.token });
    expect(codesOf(le.json).map((o: Json) => o.valueQuantity.value)).toEqual([63]);
    // The user's home zone is UTC: the day 2024-05-02 holds everything; the next day nothing.
    const day = await get(`/Observation?date=2024-05-02`, { token: u.token });
    const all = await get(`/Observation`, { token: u.token });
    expect(day.json.total).toBe(all.json.total);
    expect(day.json.total).toBeGreaterThan(5);
    expect((await get(`/Observation?date=2024-05-03`, { token: u.token })).json.total).toBe(0);
    expect((await get(`/Observation?date=2024-05`, { token: u.token })).json.total).toBe(all.json.total);
    expect((await get(`/Observation?date=lt2024-05-02`, { token: u.token })).json.total).toBe(0);
  });

  it("category filters vital signs, activity and sleep", async () => {
    const vs = codesOf((await get(`/Observation?category=vital-signs&_count=1000`, { token: u.token })).json);
    expect(vs.length).toBeGreaterThan(0);
    expect(vs.every((o: Json) => o.category[0].coding[0].code === "vital-signs")).toBe(true);
    const act = codesOf((await get(`/Observation?category=http://terminology.hl7.org/CodeSystem/observation-category|activity`, { token: u.token })).json);
    expect(act.map((o: Json) => o.code.coding[0].code).sort()).toEqual(["41950-7", "73985-4", "active-energy", "distance", "exercise-minutes"].filter((c) => act.some((o: Json) => o.code.coding[0].code === c)).sort());
    const workout = act.find((o: Json) => o.code.coding[0].code === "73985-4");
    expect(workout.component.find((c: Json) => c.code.coding[0].code === "55411-3").valueQuantity.value).toBe(30);
    expect(workout.identifier).toEqual([{ system: "urn:healthbridge:fhir:provider:apple_health", value: "RUN-1" }]);
    expect((await get(`/Observation?category=sleep`, { token: u.token })).json.total).toBe(0);
  });

  it("device and patient/subject filters", async () => {
    const devices = await get(`/Device`, { token: u.token });
    const withings = codesOf(devices.json).find((d: Json) => d.id === "withings");
    expect(withings).toBeTruthy();
    const byDevice = codesOf((await get(`/Observation?device=Device/withings&code=${encodeURIComponent(HR)}`, { token: u.token })).json);
    expect(byDevice.map((o: Json) => o.valueQuantity.value)).toEqual([63]);
    expect((await get(`/Observation?patient=Patient/${u.userId}&code=${encodeURIComponent(HR)}`, { token: u.token })).json.total).toBe(3);
    expect((await get(`/Observation?subject=${u.userId}&code=${encodeURIComponent(HR)}`, { token: u.token })).json.total).toBe(3);
    expect((await get(`/Observation?patient=Patient/00000000-0000-4000-8000-000000000000`, { token: u.token })).json.total).toBe(0);
  });

  it("_summary=count, _sort=-date and _lastUpdated", async () => {
    const hr = encodeURIComponent(HR);
    const count = await get(`/Observation?code=${hr}&_summary=count`, { token: u.token });
    expect(count.json.total).toBe(3);
    expect(count.json.entry).toBeUndefined();
    const desc = codesOf((await get(`/Observation?code=${hr}&_sort=-date`, { token: u.token })).json);
    expect(desc.map((o: Json) => o.valueQuantity.value)).toEqual([80, 71, 63]);
    const future = new Date(Date.now() + 3600_000).toISOString();
    expect((await get(`/Observation?_lastUpdated=ge${encodeURIComponent(future)}`, { token: u.token })).json.total).toBe(0);
    expect((await get(`/Observation?code=${hr}&_lastUpdated=le${encodeURIComponent(future)}`, { token: u.token })).json.total).toBe(3);
  });

  it("Patient is the token's user; the session works too", async () => {
    const p = await get(`/Patient/${u.userId}`, { token: u.token });
    expect(p.status).toBe(200);
    expect(p.json.id).toBe(u.userId);
    state.session = { id: u.userId, email: "x@example.test" };
    try {
      expect((await get(`/Observation?code=${encodeURIComponent(HR)}&_summary=count`)).json.total).toBe(3);
    } finally {
      state.session = null;
    }
  });

  it("a workout deleted at its source answers 410; an unknown id 404", async () => {
    const act = codesOf((await get(`/Observation?code=${encodeURIComponent("http://loinc.org|73985-4")}`, { token: u.token })).json);
    expect(act).toHaveLength(1);
    expect((await get(`/Observation/${act[0].id}`, { token: u.token })).status).toBe(200);
    await markDeleted(t.db, u.userId, "apple_health", [{ table: "activity", externalId: "RUN-1", deletedAt: new Date() }]);
    const gone = await get(`/Observation/${act[0].id}`, { token: u.token });
    expect(gone.status).toBe(410);
    expect(gone.json.resourceType).toBe("OperationOutcome");
    expect(gone.json.issue[0].code).toBe("deleted");
    expect((await get(`/Observation?code=${encodeURIComponent("http://loinc.org|73985-4")}`, { token: u.token })).json.total).toBe(0);
    expect((await get(`/Observation/m-00000000-0000-4000-8000-000000000000`, { token: u.token })).status).toBe(404);
    expect((await get(`/Observation/nonsense`, { token: u.token })).status).toBe(404);
    expect((await get(`/Device/nope`, { token: u.token })).status).toBe(404);
    const unknown = await get(`/Condition`, { token: u.token });
    expect(unknown.status).toBe(404);
    expect(unknown.json.issue[0].diagnostics).toMatch(/metadata/);
  });
});

describe("sleep", () => {
  it("the day's sleep is one Observation in minutes with the night's stages as components", async () => {
    const u = await fhirUser("fhir-sleep");
    const night = { date: "2024-02-06", totalSleep: 7.5, asleep: 7.0, core: 3.5, deep: 1.5, rem: 2.0, sleepStart: "2024-02-05 23:00:00 +0000", sleepEnd: "2024-02-06 06:30:00 +0000", inBed: 8.0, inBedStart: "2024-02-05 22:45:00 +0000", inBedEnd: "2024-02-06 06:45:00 +0000" };
    await ingest(u.key, hae([{ name: "sleep_analysis", units: "hr", data: [night] }]));
    const res = await get(`/Observation?category=sleep`, { token: u.token });
    const [sleep] = codesOf(res.json);
    expect(res.json.total).toBe(1);
    const [day] = await dailySeries(t.db, u.userId, { from: "2024-02-06", to: "2024-02-06", metric: ["sleep"] });
    expect(sleep.code.coding[0]).toMatchObject({ system: "http://loinc.org", code: "93832-4" });
    expect(sleep.valueQuantity).toMatchObject({ value: day.metrics.sleep!.value / 60, code: "min" });
    expect(sleep.effectiveDateTime).toBe("2024-02-06");
    expect(sleep.component.map((c: Json) => [c.code.coding[0].code, c.valueQuantity.value])).toEqual([
      ["93831-6", 1.5 * 60],
      ["93830-8", 3.5 * 60],
      ["93829-0", 2 * 60],
    ]);
    expect((await get(`/Observation/${sleep.id}`, { token: u.token })).json).toEqual(sleep);
  });
});

describe("paging", () => {
  it("keyset pages stay stable while data lands, and previous returns the page before", async () => {
    const u = await fhirUser("fhir-paging");
    const point = (minute: number, bpm: number) => ({ date: `2024-06-01 12:${String(minute).padStart(2, "0")}:00 +0000`, Avg: bpm, source: "Apple Watch" });
    const hrMetric = (points: unknown[]) => ({ name: "heart_rate", units: "count/min", data: points });
    await ingest(u.key, hae([hrMetric(Array.from({ length: 12 }, (_, i) => point(10 + i * 2, 60 + i)))]));
    const q = `/Observation?code=${encodeURIComponent(HR)}&_count=5`;
    const p1 = await get(q, { token: u.token });
    expect(p1.json.total).toBe(12);
    expect(codesOf(p1.json).map((o: Json) => o.valueQuantity.value)).toEqual([60, 61, 62, 63, 64]);
    expect(p1.json.link.find((l: Json) => l.relation === "previous")).toBeUndefined();
    // Data lands before the cursor (12:00) and after the end (12:59) while the client pages.
    await ingest(u.key, hae([hrMetric([point(0, 50), point(59, 99)])]));
    const rest = await allPages(p1.json.link.find((l: Json) => l.relation === "next").url, u.token);
    expect(rest.map((o: Json) => o.valueQuantity.value)).toEqual([65, 66, 67, 68, 69, 70, 71, 99]);
    // Page 2's previous link gives the same five as page 1 (the 12:00 reading came before the start).
    const p2 = await get(p1.json.link.find((l: Json) => l.relation === "next").url, { token: u.token });
    const prev = await get(p2.json.link.find((l: Json) => l.relation === "previous").url, { token: u.token });
    expect(ids(prev.json)).toEqual(ids(p1.json));
    const back = await get(prev.json.link.find((l: Json) => l.relation === "previous").url, { token: u.token });
    expect(codesOf(back.json).map((o: Json) => o.valueQuantity.value)).toEqual([50]);
    // Descending pages mirror ascending ones.
    const down = await allPages(`${q}&_sort=-date`, u.token);
    const up = await allPages(q, u.token);
    expect(down.map((o) => o.id)).toEqual(up.map((o) => o.id).reverse());
    expect(up).toHaveLength(14);
  });

  it("pages across daily values, readings and workouts never repeat or skip", async () => {
    const u = await fhirUser("fhir-mixed");
    const metrics = [
      { name: "step_count", units: "count", data: [1, 2, 3].map((d) => ({ date: `2024-07-0${d} 00:00:00 +0000`, qty: 100 * d, source: "iPhone" })) },
      { name: "heart_rate", units: "count/min", data: [1, 2, 3].map((d) => ({ date: `2024-07-0${d} 00:00:00 +0000`, Avg: 60 + d, source: "Apple Watch" })) },
      { name: "resting_heart_rate", units: "count/min", data: [1, 2, 3].map((d) => ({ date: `2024-07-0${d} 06:00:00 +0000`, qty: 50 + d, source: "Apple Watch" })) },
    ];
    await ingest(u.key, hae(metrics));
    const everything = codesOf((await get(`/Observation?_count=1000`, { token: u.token })).json);
    for (const count of [1, 2, 3, 4]) {
      const paged = await allPages(`/Observation?_count=${count}`, u.token);
      expect(paged.map((o) => o.id)).toEqual(everything.map((o: Json) => o.id));
      const down = await allPages(`/Observation?_count=${count}&_sort=-date`, u.token);
      expect(down.map((o) => o.id)).toEqual(everything.map((o: Json) => o.id).reverse());
    }
    // Midnight readings tie with their day's daily values: the daily value comes first.
    const first = everything.slice(0, 3).map((o: Json) => o.code.coding.at(-1).code);
    expect(first.slice(0, 2).sort()).toEqual(["resting-hr", "steps"]);
    expect(everything[2].code.coding[0].code).toBe("8867-4");
    expect(new Set(everything.map((o: Json) => o.id)).size).toBe(everything.length);
  });
});

describe("tenant isolation", () => {
  it("another user's token sees none of the first user's data, patient or devices", async () => {
    const a = await fhirUser("fhir-a");
    const b = await fhirUser("fhir-b");
    await ingest(a.key, hae([{ name: "heart_rate", units: "count/min", data: [{ date: "2024-05-02 10:00:00 +0000", Avg: 70, source: "Apple Watch" }] }]));
    const mine = codesOf((await get(`/Observation`, { token: a.token })).json);
    expect(mine).toHaveLength(1);
    expect((await get(`/Observation`, { token: b.token })).json.total).toBe(0);
    expect((await get(`/Observation?patient=Patient/${a.userId}`, { token: b.token })).json.total).toBe(0);
    expect((await get(`/Observation/${mine[0].id}`, { token: b.token })).status).toBe(404);
    expect((await get(`/Patient/${a.userId}`, { token: b.token })).status).toBe(404);
    const deviceRef = mine[0].device.reference;
    expect((await get(`/${deviceRef}`, { token: b.token })).status).toBe(404);
    expect((await get(`/Device`, { token: b.token })).json.total).toBe(0);
    expect((await get(`/Observation?device=${deviceRef}`, { token: b.token })).json.total).toBe(0);
  });
});

describe("errors are OperationOutcomes", () => {
  let u: Awaited<ReturnType<typeof fhirUser>>;
  beforeAll(async () => {
    u = await fhirUser("fhir-errors");
  });

  it("401 without a token, with a malformed, revoked or bridge key", async () => {
    const none = await get(`/Observation`);
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toMatch(/^Bearer/);
    expect(none.json.issue[0].code).toBe("login");
    expect((await get(`/Observation`, { token: "hb_fhir_nope" })).status).toBe(401);
    // A phone bridge key can write data but never read it here.
    expect((await get(`/Observation`, { token: u.key })).status).toBe(401);
    const other = await createApiKey(t.db, u.userId, "old", "fhir");
    expect((await get(`/Patient/${u.userId}`, { token: other.key })).status).toBe(200);
    await revokeApiKey(t.db, u.userId, other.id, new Date(), "fhir");
    expect((await get(`/Patient/${u.userId}`, { token: other.key })).status).toBe(401);
  });

  it("400 for bad parameter values; unknown parameters 400 only under Prefer: handling=strict", async () => {
    for (const q of ["date=2024-13-01", "date=ne2024-05-01", "date=2024-05-01T10:00", "_count=ten", "_sort=value", "_summary=text", "_cursor=xyz", "code:text=heart"]) {
      const res = await get(`/Observation?${q}`, { token: u.token });
      expect(res.status, q).toBe(400);
      expect(res.json.issue[0].severity).toBe("error");
    }
    const strict = await get(`/Observation?colour=blue`, { token: u.token, headers: { prefer: "handling=strict" } });
    expect(strict.status).toBe(400);
    expect(strict.json.issue[0].diagnostics).toMatch(/colour/);
    const lenient = await get(`/Observation?colour=blue`, { token: u.token });
    expect(lenient.status).toBe(200);
    expect(lenient.json.entry.find((e: Json) => e.search.mode === "outcome").resource.issue[0].severity).toBe("warning");
    expect((await get(`/Observation?_count=5000&_summary=count`, { token: u.token })).status).toBe(200);
  });

  it("429 with Retry-After once a token's burst is spent", async () => {
    let res: Got | null = null;
    for (let i = 0; i < 200; i++) {
      res = await get(`/Patient/${u.userId}`, { token: u.token });
      if (res.status !== 200) break;
    }
    expect(res!.status).toBe(429);
    expect(Number(res!.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(res!.json.issue[0].code).toBe("throttled");
    // Another token of another user is not affected.
    const other = await fhirUser("fhir-other");
    expect((await get(`/Patient/${other.userId}`, { token: other.token })).status).toBe(200);
  });
});
