import { outcomeResponse } from "@/lib/fhir/resources";

export const dynamic = "force-dynamic";

/** Anything under /api/fhir that no route serves: a FHIR client still gets an OperationOutcome. */
export async function GET(_request: Request, { params }: { params: Promise<{ path: string[] }> }): Promise<Response> {
  const path = (await params).path.join("/");
  return outcomeResponse(404, "not-supported", `/${path} is not supported here; see /api/fhir/metadata for what is.`);
}
