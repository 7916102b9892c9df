import type { Resource } from "./resources";

/** What `/api/fhir/metadata` declares: exactly the interactions and parameters api.ts implements. */

export const OBSERVATION_PARAMS = ["code", "date", "category", "patient", "subject", "device", "_lastUpdated"] as const;

/** The day this statement last changed (CapabilityStatement.date is required). */
const STATEMENT_DATE = "2026-12-02";

const param = (name: string, type: string, documentation: string) => ({ name, type, documentation });

export function capabilityStatement(base: string): Resource {
  return {
    resourceType: "CapabilityStatement",
    status: "active",
    date: STATEMENT_DATE,
    publisher: "Healthbridge",
    kind: "instance",
    software: { name: "Healthbridge" },
    implementation: { description: "Healthbridge FHIR R4 read API: wearable and health-app data as Observations", url: base },
    fhirVersion: "4.0.1",
    format: ["application/fhir+json", "json"],
    rest: [
      {
        mode: "server",
        documentation: "Read-only. Every answer is limited to the token's own user.",
        security: {
          description:
            "A personal access token (Settings → FHIR API access) as Authorization: Bearer <token>, or a signed-in session. Tokens are read-only and rate-limited; 429 answers carry Retry-After.",
        },
        resource: [
          { type: "Patient", interaction: [{ code: "read" }] },
          {
            type: "Device",
            interaction: [{ code: "read" }, { code: "search-type" }],
            searchParam: [param("patient", "reference", "The user (Patient/<id>)"), param("_id", "token", "Device ids, comma-separated")],
          },
          {
            type: "Observation",
            interaction: [{ code: "read" }, { code: "search-type" }],
            searchParam: [
              param("code", "token", "system|code, code, or system|; comma-separated values are ORed, repeated parameters ANDed"),
              param("date", "date", "Prefixes eq, ge, gt, le, lt (repeatable, ANDed), matched against the start of effective[x]; date-only values are days in the user's home time zone"),
              param("category", "token", "vital-signs, activity, laboratory, or urn:healthbridge:fhir:observation-category|sleep"),
              param("patient", "reference", "The user (Patient/<id>)"),
              param("subject", "reference", "The user (Patient/<id>)"),
              param("device", "reference", "A source (Device/<id>)"),
              param("_lastUpdated", "date", "Same prefixes as date, on meta.lastUpdated"),
              param("_count", "number", "Page size, default 50, at most 1000"),
              param("_sort", "string", "date (default) or -date"),
              param("_summary", "token", "count: only Bundle.total"),
            ],
          },
        ],
      },
    ],
  };
}
