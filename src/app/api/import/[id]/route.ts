import { appendChunk, cancelJob, getJob, jobView } from "@/lib/import/jobs";
import { importRoute, noStore } from "@/lib/import/http";
import { wakeImportRunner } from "@/lib/import/runner";

export const dynamic = "force-dynamic";

type Params = { params: Promise<{ id: string }> };

/** One import: upload offset (to resume), progress, summary. */
export async function GET(_request: Request, { params }: Params) {
  const { id } = await params;
  return importRoute("status", async ({ userId, db }) => Response.json({ job: jobView(await getJob(db, userId, id)) }, { headers: noStore }));
}

/** `PUT ?offset=N` with the chunk's bytes as the body (application/octet-stream). */
export async function PUT(request: Request, { params }: Params) {
  const { id } = await params;
  return importRoute("chunk", async ({ userId, db, dataDir }) => {
    const job = await appendChunk(db, userId, dataDir, id, new URL(request.url).searchParams.get("offset"), request.body);
    if (job.status === "queued") wakeImportRunner();
    return Response.json({ job: jobView(job) }, { headers: noStore });
  });
}

/** Cancels the upload or the running import. */
export async function DELETE(_request: Request, { params }: Params) {
  const { id } = await params;
  return importRoute("cancel", async ({ userId, db, dataDir }) => Response.json({ job: jobView(await cancelJob(db, userId, dataDir, id)) }, { headers: noStore }));
}
