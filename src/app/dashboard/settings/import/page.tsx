import Link from "next/link";
import { requireUser } from "@/lib/auth/session";
import { getDb } from "@/lib/db";
import { jobView, listJobs } from "@/lib/import/jobs";
import { ImportPanel } from "./import-panel";

export const dynamic = "force-dynamic";

export default async function ImportPage() {
  const user = await requireUser("/dashboard/settings/import");
  const jobs = (await listJobs(await getDb(), user.id)).map(jobView);
  return (
    <div className="space-y-6">
      <div className="flex items-baseline gap-4">
        <h1 className="text-2xl font-bold">Import history from files</h1>
        <Link href="/dashboard/settings" className="text-sm text-brand-dark underline">
          Back to settings
        </Link>
      </div>
      <p className="max-w-2xl text-sm text-slate-600">
        Apple Health: on the iPhone, Health → your picture → Export All Health Data, then send the <code>export.zip</code> here (or
        its <code>export.xml</code>). Garmin, Strava and most watches: FIT, GPX or TCX activity files, several at once. What is
        already here from a connected source or the phone app is recognised, not stored twice.
      </p>
      <ImportPanel initialJobs={jobs} />
    </div>
  );
}
