import type { MetricId } from "@/lib/reconcile/metrics";

/**
 * What becomes an Observation, and how it is coded. LOINC codes and UCUM units are the checked ones
 * in shared/fhir.md §C.1; where no LOINC code is verified (HRV RMSSD, distance, active energy, VO2max,
 * floors, exercise minutes) only our own code system is used, never a look-alike LOINC code
 * (80404-7 is SDNN, 41981-2 is total energy). Displays are short descriptions, not LOINC long names.
 */

export const LOINC = "http://loinc.org";
export const UCUM = "http://unitsofmeasure.org";
export const OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category";
/** Our own code systems (URNs, so they claim no domain). */
export const HB_CODE = "urn:healthbridge:fhir:code";
export const HB_CATEGORY = "urn:healthbridge:fhir:observation-category";
export const HB_TAG = "urn:healthbridge:fhir:tag";
export const HB_DAILY_ID = "urn:healthbridge:fhir:daily-value";
export const providerIdentifierSystem = (provider: string) => `urn:healthbridge:fhir:provider:${provider}`;

export type Coding = { system: string; code: string; display: string };
export type Category = "vital-signs" | "activity" | "laboratory" | "sleep";
/** UCUM code with its human unit. */
export type Unit = { code: string; unit: string };

export const categoryCoding = (c: Category): Coding =>
  c === "sleep"
    ? { system: HB_CATEGORY, code: "sleep", display: "Sleep" }
    : {
        system: OBSERVATION_CATEGORY,
        code: c,
        display: c === "vital-signs" ? "Vital Signs" : c === "activity" ? "Activity" : "Laboratory",
      };

const loinc = (code: string, display: string): Coding => ({ system: LOINC, code, display });
const own = (code: string, display: string): Coding => ({ system: HB_CODE, code, display });

const VS = "http://hl7.org/fhir/StructureDefinition/";
/** The R4 vital-signs profile every vital-sign Observation claims; specific ones fix the code. */
export const VITALSIGNS_PROFILE = `${VS}vitalsigns`;

export type Kind = {
  /** Where it comes from. */
  source: "daily" | "reading" | "workout";
  /** Metric id (daily) or measurement type (reading). */
  key: string;
  category: Category;
  codings: Coding[];
  unit: Unit;
  /** stored value → value in `unit`. */
  scale?: number;
  profile?: string;
};

const PER_MIN: Unit = { code: "/min", unit: "beats/minute" };
const BREATHS: Unit = { code: "/min", unit: "breaths/minute" };
const PERCENT: Unit = { code: "%", unit: "%" };
const KG: Unit = { code: "kg", unit: "kg" };
const MS: Unit = { code: "ms", unit: "ms" };
const SPO2_CODINGS = [loinc("2708-6", "Oxygen saturation in Arterial blood"), loinc("59408-5", "Oxygen saturation in Arterial blood by Pulse oximetry")];

/** Reconciled daily values: one per user, local day and metric (daily_value). */
export const DAILY_KINDS: Record<MetricId, Kind> = {
  steps: { source: "daily", key: "steps", category: "activity", codings: [loinc("41950-7", "Number of steps in 24 hour Measured"), own("steps", "Steps per day")], unit: { code: "/d", unit: "steps/day" } },
  distance: { source: "daily", key: "distance", category: "activity", codings: [own("distance", "Distance per day")], unit: { code: "m", unit: "m" } },
  active_energy: { source: "daily", key: "active_energy", category: "activity", codings: [own("active-energy", "Active energy per day")], unit: { code: "kcal", unit: "kcal" } },
  exercise_minutes: { source: "daily", key: "exercise_minutes", category: "activity", codings: [own("exercise-minutes", "Exercise minutes per day")], unit: { code: "min", unit: "min" } },
  floors: { source: "daily", key: "floors", category: "activity", codings: [own("floors", "Floors climbed per day")], unit: { code: "/d", unit: "floors/day" } },
  sleep: { source: "daily", key: "sleep", category: "sleep", codings: [loinc("93832-4", "Sleep duration"), own("sleep", "Main sleep of the day")], unit: { code: "min", unit: "min" }, scale: 1 / 60 },
  resting_hr: { source: "daily", key: "resting_hr", category: "vital-signs", codings: [loinc("40443-4", "Heart rate --resting"), own("resting-hr", "Resting heart rate")], unit: PER_MIN, profile: VITALSIGNS_PROFILE },
  hrv_rmssd: { source: "daily", key: "hrv_rmssd", category: "vital-signs", codings: [own("hrv-rmssd", "Heart rate variability, RMSSD")], unit: MS, profile: VITALSIGNS_PROFILE },
  hrv_sdnn: { source: "daily", key: "hrv_sdnn", category: "vital-signs", codings: [loinc("80404-7", "R-R interval.standard deviation (Heart rate variability)"), own("hrv-sdnn", "Heart rate variability, SDNN")], unit: MS, profile: VITALSIGNS_PROFILE },
  spo2: { source: "daily", key: "spo2", category: "vital-signs", codings: [...SPO2_CODINGS, own("spo2", "Blood oxygen, daily mean")], unit: PERCENT, profile: `${VS}oxygensat` },
  respiratory_rate: { source: "daily", key: "respiratory_rate", category: "vital-signs", codings: [loinc("9279-1", "Respiratory rate"), own("respiratory-rate", "Respiratory rate, daily mean")], unit: BREATHS, profile: `${VS}resprate` },
  vo2max: { source: "daily", key: "vo2max", category: "activity", codings: [own("vo2max", "VO2max")], unit: { code: "mL/kg/min", unit: "mL/kg/min" } },
  weight: { source: "daily", key: "weight", category: "vital-signs", codings: [loinc("29463-7", "Body weight"), own("weight", "Body weight, last of the day")], unit: KG, profile: `${VS}bodyweight` },
  body_fat: { source: "daily", key: "body_fat", category: "vital-signs", codings: [loinc("41982-0", "Body fat percentage"), own("body-fat", "Body fat, last of the day")], unit: PERCENT, profile: VITALSIGNS_PROFILE },
};

/** Individual readings (measurement rows); blood pressure is read from its systolic row. */
export const READING_KINDS: Record<string, Kind> = {
  heart_rate: { source: "reading", key: "heart_rate", category: "vital-signs", codings: [loinc("8867-4", "Heart rate")], unit: PER_MIN, profile: `${VS}heartrate` },
  spo2: { source: "reading", key: "spo2", category: "vital-signs", codings: SPO2_CODINGS, unit: PERCENT, profile: `${VS}oxygensat` },
  weight: { source: "reading", key: "weight", category: "vital-signs", codings: [loinc("29463-7", "Body weight")], unit: KG, profile: `${VS}bodyweight` },
  fat_ratio: { source: "reading", key: "fat_ratio", category: "vital-signs", codings: [loinc("41982-0", "Body fat percentage")], unit: PERCENT, profile: VITALSIGNS_PROFILE },
  bp_systolic: { source: "reading", key: "bp_systolic", category: "vital-signs", codings: [loinc("85354-9", "Blood pressure panel with all children optional")], unit: { code: "mm[Hg]", unit: "mmHg" }, profile: `${VS}bp` },
  body_temperature: { source: "reading", key: "body_temperature", category: "vital-signs", codings: [loinc("8310-5", "Body temperature")], unit: { code: "Cel", unit: "C" }, profile: `${VS}bodytemp` },
  respiratory_rate: { source: "reading", key: "respiratory_rate", category: "vital-signs", codings: [loinc("9279-1", "Respiratory rate")], unit: BREATHS, profile: `${VS}resprate` },
  // Stored in mmol/L; 2339-0 is the mass concentration, so the value is given in mg/dL.
  glucose: { source: "reading", key: "glucose", category: "laboratory", codings: [loinc("2339-0", "Glucose [Mass/volume] in Blood")], unit: { code: "mg/dL", unit: "mg/dL" }, scale: 18.0156 },
};

export const BP_COMPONENTS = {
  systolic: loinc("8480-6", "Systolic blood pressure"),
  diastolic: loinc("8462-4", "Diastolic blood pressure"),
};

/** Stage durations of the day's main night, as components of the sleep value (PHR-IG codes). */
export const SLEEP_STAGES = {
  deep: loinc("93831-6", "Deep sleep duration"),
  light: loinc("93830-8", "Light sleep duration"),
  rem: loinc("93829-0", "REM sleep duration"),
};

/** One Observation per reconciled workout (PA-IG codes), with its measures as components. */
export const WORKOUT_KIND: Kind = {
  source: "workout",
  key: "workout",
  category: "activity",
  codings: [loinc("73985-4", "Exercise activity")],
  unit: { code: "min", unit: "min" },
};
export const WORKOUT_COMPONENTS = {
  duration: { coding: loinc("55411-3", "Exercise duration"), unit: { code: "min", unit: "min" } },
  energy: { coding: loinc("55424-6", "Calories burned per activity"), unit: { code: "kcal", unit: "kcal" } },
  meanHr: { coding: loinc("55425-3", "Mean heart rate per activity"), unit: PER_MIN },
  maxHr: { coding: loinc("55426-1", "Maximum heart rate per activity"), unit: PER_MIN },
  distance: { coding: own("workout-distance", "Workout distance"), unit: { code: "m", unit: "m" } },
};

export const ALL_KINDS: Kind[] = [...Object.values(DAILY_KINDS), ...Object.values(READING_KINDS), WORKOUT_KIND];

/** A token search value: `system|code`, `code`, `|code` (no system) or `system|` (any code). */
export type Token = { system?: string | null; code?: string };

export function parseToken(v: string): Token {
  const bar = v.indexOf("|");
  if (bar === -1) return { code: v };
  const system = v.slice(0, bar);
  const code = v.slice(bar + 1);
  return { system: system === "" ? null : system, ...(code ? { code } : {}) };
}

export function codingMatches(c: Coding, t: Token): boolean {
  if (t.system === null) return false; // `|code`: codes without a system; ours all have one
  if (t.system !== undefined && t.system !== c.system) return false;
  return t.code === undefined || t.code === c.code;
}
