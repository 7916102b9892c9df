import { getDb } from "@/lib/db";
import { simpleObservationSearch } from "@/lib/fhir/simple";
import { fhirOptions } from "../fhir/options";

export const dynamic = "force-dynamic";

/** The plain JSON Observation view (FHIR token or session), over the same search as /api/fhir. */
export async function GET(request: Request): Promise<Response> {
  return simpleObservationSearch(await getDb(), request, fhirOptions);
}
