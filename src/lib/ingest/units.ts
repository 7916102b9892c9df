/**
 * Unit conversion to the units of our columns. Health Auto Export follows the iPhone's unit
 * settings (kcal|kJ, mi|km, lb|kg, degF|degC, …) and writes HealthKit unit strings, so every value
 * goes through this table. Unknown units are refused (null), never guessed.
 */

export type Dimension =
  | "count"
  | "energy"
  | "length"
  | "mass"
  | "duration"
  | "milliseconds"
  | "rate"
  | "percent"
  | "pressure"
  | "temperature"
  | "vo2"
  | "glucose"
  | "volume"
  | "grams"
  | "bmi"
  | "speed"
  | "power";

/** The unit each dimension is stored in. */
export const CANONICAL: Record<Dimension, string> = {
  count: "count",
  energy: "kcal",
  length: "m",
  mass: "kg",
  duration: "s",
  milliseconds: "ms",
  rate: "/min",
  percent: "%",
  pressure: "mmHg",
  temperature: "degC",
  vo2: "mL/kg/min",
  glucose: "mmol/L",
  volume: "mL",
  grams: "g",
  bmi: "kg/m2",
  speed: "m/s",
  power: "W",
};

const KCAL_PER_KJ = 1 / 4.184;
/** mg/dL → mmol/L for glucose (molar mass 180.156 g/mol). */
const GLUCOSE_MG_DL_PER_MMOL_L = 18.0156;

type Factor = number | ((v: number) => number);

const TABLE: Record<Dimension, Record<string, Factor>> = {
  count: { count: 1, "": 1, steps: 1, step: 1, times: 1 },
  energy: { kcal: 1, cal: 1, kilocalorie: 1, kilocalories: 1, kj: KCAL_PER_KJ, j: KCAL_PER_KJ / 1000 },
  length: { m: 1, km: 1000, mi: 1609.344, ft: 0.3048, yd: 0.9144, in: 0.0254, cm: 0.01, mm: 0.001 },
  mass: { kg: 1, g: 0.001, lb: 0.45359237, lbs: 0.45359237, st: 6.35029318, oz: 0.028349523125, mg: 1e-6 },
  duration: { s: 1, sec: 1, min: 60, hr: 3600, h: 3600, hour: 3600, hours: 3600, ms: 0.001, d: 86400 },
  milliseconds: { ms: 1, s: 1000 },
  rate: { "count/min": 1, bpm: 1, "/min": 1, "breaths/min": 1, "count/s": 60 },
  percent: { "%": 1, percent: 1 },
  pressure: { mmhg: 1, kpa: 7.500616827 },
  temperature: {
    degc: 1,
    c: 1,
    "°c": 1,
    degf: (f) => ((f - 32) * 5) / 9,
    f: (f) => ((f - 32) * 5) / 9,
    "°f": (f) => ((f - 32) * 5) / 9,
    k: (k) => k - 273.15,
  },
  vo2: { "ml/(kg·min)": 1, "ml/(kg*min)": 1, "ml/kg/min": 1, "ml/min·kg": 1, "ml/min/kg": 1, "ml/(kg.min)": 1 },
  glucose: { "mmol/l": 1, "mg/dl": (v) => v / GLUCOSE_MG_DL_PER_MMOL_L },
  volume: { ml: 1, l: 1000, "fl_oz_us": 29.5735295625, "fl oz": 29.5735295625, cup_us: 236.5882365, dl: 100 },
  grams: { g: 1, mg: 0.001, mcg: 1e-6, "µg": 1e-6, ug: 1e-6, kg: 1000, oz: 28.349523125 },
  bmi: { count: 1, "": 1, "kg/m2": 1, "kg/m^2": 1 },
  speed: { "m/s": 1, "km/hr": 1 / 3.6, "km/h": 1 / 3.6, kmph: 1 / 3.6, "mi/hr": 0.44704, mph: 0.44704 },
  power: { w: 1, watts: 1, kw: 1000 },
};

/** Lower-cased, spaces trimmed; HealthKit's `mmol<180.15…>/L` loses its molar-mass annotation. */
export function normalizeUnit(unit: unknown): string | null {
  if (unit === undefined || unit === null) return "";
  if (typeof unit !== "string") return null;
  return unit.trim().toLowerCase().replace(/<[^>]*>/g, "");
}

/** Converts `value` in `unit` to the dimension's canonical unit; null for an unknown unit. */
export function convert(value: number, unit: unknown, dimension: Dimension): number | null {
  const u = normalizeUnit(unit);
  if (u === null || !Number.isFinite(value)) return null;
  const factor = TABLE[dimension][u];
  if (factor === undefined) return null;
  return typeof factor === "number" ? (factor === 1 ? value : value * factor) : factor(value);
}

/** Apple stores SpO2 and body fat as fractions (0.97) even with unit "%"; a value ≤ 1 is one. */
export function percentFromMaybeFraction(value: number): number {
  return value <= 1 ? value * 100 : value;
}
