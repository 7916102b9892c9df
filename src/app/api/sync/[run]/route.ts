import { getDb } from "@/lib/db";
import { syncRunRequest } from "@/lib/sync/api";
import { fhirOptions } from "../../fhir/options";

export const dynamic = "force-dynamic";

/** One sync run's status and counts, for the token's owner only. */
export async function GET(request: Request, { params }: { params: Promise<{ run: string }> }): Promise<Response> {
  return syncRunRequest(await getDb(), request, (await params).run, fhirOptions);
}
