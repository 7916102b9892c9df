import { metadataResponse } from "@/lib/fhir/api";

export const dynamic = "force-dynamic";

/** The CapabilityStatement; public, as FHIR clients read it before they authenticate. */
export function GET(request: Request): Response {
  return metadataResponse(request);
}
