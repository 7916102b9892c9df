/**
 * Each code's UCUM unit, written down from shared/fhir.md §C.1 (R4 profiles, PA-IG, PHR-IG) and not
 * from the app's code table, so a wrong unit there is caught: @medplum/core does not check fixed
 * unit codes (it accepted `bpm` for `heartrate`). Our own codes (urn:healthbridge:fhir:code) are
 * listed with the unit they are defined in.
 */

const LOINC = "http://loinc.org";
const OWN = "urn:healthbridge:fhir:code";
const UCUM = "http://unitsofmeasure.org";

const UNITS: Record<string, string[]> = {
  [`${LOINC}|8867-4`]: ["/min"], // heart rate (R4 heartrate, fixed)
  [`${LOINC}|40443-4`]: ["/min"], // resting heart rate (PA-IG)
  [`${LOINC}|55425-3`]: ["/min"], // mean HR per activity (PA-IG)
  [`${LOINC}|55426-1`]: ["/min"], // max HR per activity (PA-IG)
  [`${LOINC}|80404-7`]: ["ms"], // HRV SDNN (PHR-IG)
  [`${LOINC}|2708-6`]: ["%"], // SpO2 (R4 oxygensat, fixed)
  [`${LOINC}|59408-5`]: ["%"], // SpO2 by pulse oximetry
  [`${LOINC}|9279-1`]: ["/min"], // respiratory rate (R4 resprate, fixed)
  [`${LOINC}|29463-7`]: ["kg", "g", "[lb_av]"], // body weight (R4 bodyweight, required value set)
  [`${LOINC}|8302-2`]: ["cm", "[in_i]"], // body height
  [`${LOINC}|39156-5`]: ["kg/m2"], // BMI
  [`${LOINC}|41982-0`]: ["%"], // body fat (PHR-IG)
  [`${LOINC}|8310-5`]: ["Cel", "[degF]"], // body temperature (R4 bodytemp)
  [`${LOINC}|8480-6`]: ["mm[Hg]"], // systolic (R4 bp component)
  [`${LOINC}|8462-4`]: ["mm[Hg]"], // diastolic
  [`${LOINC}|41950-7`]: ["/d"], // steps in 24 h (PA-IG)
  [`${LOINC}|93832-4`]: ["h", "min"], // sleep duration (PHR-IG)
  [`${LOINC}|93831-6`]: ["h", "min"], // deep sleep duration
  [`${LOINC}|93830-8`]: ["h", "min"], // light sleep duration
  [`${LOINC}|93829-0`]: ["h", "min"], // REM sleep duration
  [`${LOINC}|55411-3`]: ["min"], // exercise duration (PA-IG)
  [`${LOINC}|55424-6`]: ["kcal"], // calories per activity (PA-IG)
  [`${LOINC}|2339-0`]: ["mg/dL"], // glucose, mass concentration
  [`${OWN}|distance`]: ["m"],
  [`${OWN}|active-energy`]: ["kcal"],
  [`${OWN}|exercise-minutes`]: ["min"],
  [`${OWN}|floors`]: ["/d"],
  [`${OWN}|steps`]: ["/d"],
  [`${OWN}|sleep`]: ["min"],
  [`${OWN}|resting-hr`]: ["/min"],
  [`${OWN}|hrv-rmssd`]: ["ms"],
  [`${OWN}|hrv-sdnn`]: ["ms"],
  [`${OWN}|spo2`]: ["%"],
  [`${OWN}|respiratory-rate`]: ["/min"],
  [`${OWN}|vo2max`]: ["mL/kg/min"],
  [`${OWN}|weight`]: ["kg"],
  [`${OWN}|body-fat`]: ["%"],
  [`${OWN}|workout-distance`]: ["m"],
};

type Coding = { system?: string; code?: string };
type Quantity = { system?: string; code?: string; value?: unknown };
type Coded = { code?: { coding?: Coding[] }; valueQuantity?: Quantity };

function check(where: string, c: Coded, errors: string[]) {
  const q = c.valueQuantity;
  if (!q) return;
  if (q.system !== UCUM) errors.push(`${where}: valueQuantity.system is ${q.system}, not UCUM`);
  const codings = c.code?.coding ?? [];
  const known = codings.map((x) => ({ key: `${x.system}|${x.code}`, units: UNITS[`${x.system}|${x.code}`] })).filter((x) => x.units);
  if (!known.length) errors.push(`${where}: no expected unit is known for ${codings.map((x) => `${x.system}|${x.code}`).join(", ") || "no code"}`);
  for (const k of known) if (!k.units!.includes(q.code ?? "")) errors.push(`${where}: ${k.key} wants ${k.units!.join(" or ")}, got ${q.code}`);
}

/** Every Quantity value of an Observation (and of its components) in the unit its code wants. */
export function ucumErrors(resource: Coded & { resourceType?: unknown; component?: Coded[] }): string[] {
  if (resource.resourceType !== "Observation") return [];
  const errors: string[] = [];
  check("Observation", resource, errors);
  (resource.component ?? []).forEach((c, i) => check(`component[${i}]`, c, errors));
  return errors;
}
