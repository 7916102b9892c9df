import { getDb } from "@/lib/db";
import { deviceSearch } from "@/lib/fhir/api";
import { fhirOptions } from "../options";

export const dynamic = "force-dynamic";

export async function GET(request: Request): Promise<Response> {
  return deviceSearch(await getDb(), request, fhirOptions);
}
