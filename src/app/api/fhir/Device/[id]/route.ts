import { getDb } from "@/lib/db";
import { deviceRead } from "@/lib/fhir/api";
import { fhirOptions } from "../../options";

export const dynamic = "force-dynamic";

export async function GET(request: Request, { params }: { params: Promise<{ id: string }> }): Promise<Response> {
  return deviceRead(await getDb(), request, (await params).id, fhirOptions);
}
