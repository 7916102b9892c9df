import { eq } from "drizzle-orm";
import { getSessionUser } from "@/lib/auth/session";
import { getDb } from "@/lib/db";
import { users } from "@/lib/db/schema";
import { configuredFhirServer } from "@/lib/destinations/fhir/api";
import { type ExportStatus, fhirExportStatus } from "@/lib/destinations/fhir/push";
import { localDateTime } from "@/lib/format";
import { zoneOffsetMinutes } from "@/lib/normalize/dates";
import { FhirExportSwitch } from "./fhir-export-switch";

/** Settings → "Export to a FHIR server": shown only when FHIR_EXPORT_BASE_URL is set; the user's switch decides. Server component. */
export async function FhirExport() {
  const user = await getSessionUser();
  const server = configuredFhirServer();
  if (!user || !server) return null;
  const db = await getDb();
  const status = await fhirExportStatus(db, user.id, server);
  if (!status) return null;
  const [{ tz }] = await db.select({ tz: users.timeZone }).from(users).where(eq(users.id, user.id));
  return <FhirExportCard host={new URL(server.baseUrl).host} status={status} timeZone={tz} />;
}

/** The export's state in words (times in the user's home zone). */
export function FhirExportCard({ host, status, timeZone }: { host: string; status: ExportStatus; timeZone: string }) {
  const when = (d: Date) => localDateTime(d, zoneOffsetMinutes(timeZone, d));
  return (
    <section aria-labelledby="fhir-export-heading" className="space-y-2">
      <h2 id="fhir-export-heading" className="text-xl font-semibold">
        Export to a FHIR server
      </h2>
      <p className="text-sm text-slate-600">
        This server can copy your Observations to a FHIR server its operator runs,{" "}
        <code className="break-all rounded bg-slate-100 px-1 py-0.5 font-mono text-xs">{host}</code>. Each is sent once: a resend never makes a
        duplicate there.
      </p>
      <FhirExportSwitch host={host} enabled={status.enabled} />
      <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-1 text-sm">
        <dt className="font-medium">Last export</dt>
        <dd data-testid="fhir-export-last">{status.lastExportAt ? when(status.lastExportAt) : "Not yet"}</dd>
        <dt className="font-medium">{status.enabled ? "Waiting to be sent" : "Not sent (export is off)"}</dt>
        <dd data-testid="fhir-export-pending">{status.pending === 0 ? "Nothing" : `${status.pending} Observation${status.pending === 1 ? "" : "s"}`}</dd>
        <dt className="font-medium">Created there so far</dt>
        <dd data-testid="fhir-export-created">{status.created}</dd>
      </dl>
      {status.lastError ? (
        <p role="status" className="rounded border border-amber-300 bg-amber-50 p-2 text-sm text-amber-900" data-testid="fhir-export-error">
          {status.lastError}
          {status.retryAt ? ` Next try after ${when(status.retryAt)}.` : null}
        </p>
      ) : null}
    </section>
  );
}
