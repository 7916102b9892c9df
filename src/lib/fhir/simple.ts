import { z } from "zod";
import type { Db } from "@/lib/db";
import { authenticate, type FhirOptions, isRefusal } from "./api";
import { DAILY_KINDS, type Kind, READING_KINDS, WORKOUT_KIND } from "./codes";
import type { Resource } from "./resources";
import { dateBounds, dateRange, MAX_COUNT, type ObservationQuery, SearchError, searchWithTotal } from "./search";

/**
 * `GET /api/observations`: the plain JSON view the PHR app used, a thin adapter over the FHIR
 * Observation search (same kinds, same date semantics, same auth). Pages are numbered, so a deep
 * page costs the rows before it; page × page_size is capped and the FHIR API's keyset links are
 * the way through everything.
 */

/** observation_type → kind. Readings keep their measurement names; daily values whose name a reading already has get `daily_`. */
export const OBSERVATION_TYPES: Record<string, Kind> = {
  heart_rate: READING_KINDS.heart_rate,
  spo2: READING_KINDS.spo2,
  weight: READING_KINDS.weight,
  body_fat: READING_KINDS.fat_ratio,
  blood_pressure: READING_KINDS.bp_systolic,
  body_temperature: READING_KINDS.body_temperature,
  respiratory_rate: READING_KINDS.respiratory_rate,
  glucose: READING_KINDS.glucose,
  steps: DAILY_KINDS.steps,
  distance: DAILY_KINDS.distance,
  active_energy: DAILY_KINDS.active_energy,
  exercise_minutes: DAILY_KINDS.exercise_minutes,
  floors: DAILY_KINDS.floors,
  sleep: DAILY_KINDS.sleep,
  resting_hr: DAILY_KINDS.resting_hr,
  hrv_rmssd: DAILY_KINDS.hrv_rmssd,
  hrv_sdnn: DAILY_KINDS.hrv_sdnn,
  vo2max: DAILY_KINDS.vo2max,
  daily_spo2: DAILY_KINDS.spo2,
  daily_respiratory_rate: DAILY_KINDS.respiratory_rate,
  daily_weight: DAILY_KINDS.weight,
  daily_body_fat: DAILY_KINDS.body_fat,
  workout: WORKOUT_KIND,
};

/** Deepest row a numbered page may reach. */
export const MAX_OFFSET = 10_000;

const dateParam = (name: string) =>
  z
    .string()
    .optional()
    .superRefine((v, ctx) => {
      if (v === undefined) return;
      try {
        dateRange(v, "UTC");
      } catch (e) {
        ctx.addIssue({ code: "custom", message: `${name}: ${e instanceof SearchError ? e.message : "not a date"}` });
      }
    });

const positive = (name: string, max: number) =>
  z
    .string()
    .regex(/^\d+$/, `${name} must be a whole number from 1 to ${max}`)
    .transform(Number)
    .pipe(z.number().min(1, `${name} must be a whole number from 1 to ${max}`).max(max, `${name} must be a whole number from 1 to ${max}`));

const QuerySchema = z
  .object({
    observation_type: z
      .string()
      .optional()
      .transform((v) => (v ? v.split(",").map((x) => x.trim()) : undefined))
      .superRefine((types, ctx) => {
        const unknown = (types ?? []).filter((t) => !(t in OBSERVATION_TYPES));
        if (unknown.length) ctx.addIssue({ code: "custom", message: `unknown observation_type ${unknown.join(", ")}; known: ${Object.keys(OBSERVATION_TYPES).join(", ")}` });
      }),
    date_from: dateParam("date_from"),
    date_to: dateParam("date_to"),
    page: positive("page", MAX_OFFSET).optional().default(1),
    page_size: positive("page_size", MAX_COUNT).optional().default(50),
  })
  .strict()
  .refine((q) => q.page * q.page_size <= MAX_OFFSET, {
    message: `page × page_size may be at most ${MAX_OFFSET}; page further with /api/fhir/Observation and its next links`,
  });

export type SimpleObservation = {
  id: string;
  code: string;
  code_system: string;
  display: string;
  value: number | string | null;
  unit: string | null;
  effective_datetime: string;
  patient_id: string;
  /** Only for panels without one value (blood pressure, workouts): their parts. */
  components?: Array<{ code: string; code_system: string; display: string; value: number; unit: string }>;
};

type Q = { value: number; unit?: string; code?: string };
type Coded = { coding: Array<{ system: string; code: string; display: string }> };

/** One FHIR Observation flattened; the first coding is the standard one where there is one (LOINC first in codes.ts). */
export function simpleObservation(r: Resource, patientId: string): SimpleObservation {
  const coding = (r.code as Coded).coding[0];
  const q = r.valueQuantity as Q | undefined;
  const components = (r.component as Array<{ code: Coded; valueQuantity: Q }> | undefined)?.map((c) => ({
    code: c.code.coding[0].code,
    code_system: c.code.coding[0].system,
    display: c.code.coding[0].display,
    value: c.valueQuantity.value,
    unit: c.valueQuantity.unit ?? c.valueQuantity.code ?? "",
  }));
  const effective = (r.effectiveDateTime as string | undefined) ?? (r.effectivePeriod as { start: string }).start;
  return {
    id: r.id as string,
    code: coding.code,
    code_system: coding.system,
    display: coding.display,
    value: q ? q.value : ((r.valueCodeableConcept as { text?: string } | undefined)?.text ?? null),
    unit: q ? (q.unit ?? q.code ?? null) : null,
    effective_datetime: effective,
    patient_id: patientId,
    ...(!q && components?.length ? { components } : {}),
  };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  Response.json(body, { status, headers: { "cache-control": "no-store", ...headers } });

export async function simpleObservationSearch(db: Db, request: Request, o: FhirOptions): Promise<Response> {
  try {
    const caller = await authenticate(db, request, o);
    if (isRefusal(caller)) return json(caller.status, { error: caller.why }, caller.headers);
    const url = new URL(request.url);
    const repeated = [...new Set([...url.searchParams.keys()].filter((k) => url.searchParams.getAll(k).length > 1))];
    if (repeated.length) return json(400, { error: `give each parameter once (${repeated.join(", ")})` });
    const parsed = QuerySchema.safeParse(Object.fromEntries([...url.searchParams].filter(([, v]) => v !== "")));
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue.code === "unrecognized_keys" ? "" : issue.path.length ? `${issue.path.join(".")}: ` : "";
      return json(400, { error: `${where}${issue.message}`.replace(/^(\w+): \1: /, "$1: ") });
    }
    const p = parsed.data;
    // date_from and date_to are both inclusive at their precision (a date is the whole day in the user's zone).
    const date = dateBounds([...(p.date_from ? [`ge${p.date_from}`] : []), ...(p.date_to ? [`le${p.date_to}`] : [])], caller.tz);
    if (date.lo !== null && date.hi !== null && date.lo >= date.hi) return json(400, { error: "date_from must not be after date_to" });
    const q: ObservationQuery = {
      kinds: p.observation_type ? [...new Set(p.observation_type.map((t) => OBSERVATION_TYPES[t]))] : Object.values(OBSERVATION_TYPES),
      date,
      lastUpdated: { lo: null, hi: null },
      device: null,
      subjectMatches: true,
      descending: false,
      count: p.page * p.page_size,
      after: null,
    };
    const found = await searchWithTotal(db, caller.userId, caller.tz, q, { descending: false, after: null });
    const total = found.total;
    const items = found.items.slice((p.page - 1) * p.page_size);
    return json(200, {
      observations: items.map((i) => simpleObservation(i.resource, caller.userId)),
      total,
      page: p.page,
      page_size: p.page_size,
      has_more: found.more,
    });
  } catch (e) {
    console.error("observations: request failed", e instanceof Error ? e.name : "unknown");
    return json(500, { error: "the server could not answer this request" });
  }
}
