import { getDb } from "@/lib/db";
import { syncNowRequest } from "@/lib/sync/api";
import { fhirOptions } from "../fhir/options";

export const dynamic = "force-dynamic";

/** "Sync now" for API clients: Bearer personal access token, body {provider, date?}; 202 {run}. */
export async function POST(request: Request): Promise<Response> {
  return syncNowRequest(await getDb(), request, fhirOptions);
}
