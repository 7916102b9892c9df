import { getDb } from "@/lib/db";
import { observationRead } from "@/lib/fhir/api";
import { fhirOptions } from "../../options";

export const dynamic = "force-dynamic";

export async function GET(request: Request, { params }: { params: Promise<{ id: string }> }): Promise<Response> {
  return observationRead(await getDb(), request, (await params).id, fhirOptions);
}
