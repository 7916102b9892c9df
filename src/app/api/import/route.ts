import { createUpload, jobView, listJobs, CHUNK_BYTES, ImportRequestError } from "@/lib/import/jobs";
import { importRoute, noStore } from "@/lib/import/http";

export const dynamic = "force-dynamic";

/** Starts a chunked upload: `{fileName, size}` → the job and the chunk size to send. */
export async function POST(request: Request) {
  return importRoute("create upload", async ({ userId, db, dataDir }) => {
    const body = await request.json().catch(() => {
      throw new ImportRequestError(400, "Send JSON: {fileName, size}.");
    });
    const job = await createUpload(db, userId, dataDir, body);
    return Response.json({ job: jobView(job), chunkBytes: CHUNK_BYTES }, { status: 201, headers: noStore });
  });
}

/** The user's recent imports (the settings page polls it while one runs). */
export async function GET() {
  return importRoute("list", async ({ userId, db }) =>
    Response.json({ jobs: (await listJobs(db, userId)).map(jobView) }, { headers: noStore }),
  );
}
