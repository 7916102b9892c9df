import { getDb } from "@/lib/db";
import { observationSearch } from "@/lib/fhir/api";
import { fhirOptions } from "../options";

export const dynamic = "force-dynamic";

export async function GET(request: Request): Promise<Response> {
  return observationSearch(await getDb(), request, fhirOptions);
}
