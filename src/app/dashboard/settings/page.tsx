import { eq } from "drizzle-orm";
import Link from "next/link";
import { requireUser } from "@/lib/auth/session";
import { providerVar } from "@/lib/env";
import { getDb } from "@/lib/db";
import { providerConnections } from "@/lib/db/schema";
import { isConfigured, isProviderId, providerList, providerName, providers, retirementNote } from "@/lib/providers";
import { PhoneApps } from "@/app/dashboard/settings/phone-apps";
import { FhirAccess } from "./fhir-access";
import { FhirExport } from "./fhir-export";
import { syncStatus } from "@/lib/sync/status";
import { webhookDeliveryIssues } from "@/lib/webhooks/status";
import { displayPreferences } from "@/lib/dashboard/overview";
import { unitsPreference } from "../units";
import { PreferencesForms } from "./preferences-forms";
import { ProviderCard } from "./provider-card";

export const dynamic = "force-dynamic";

export default async function SettingsPage({ searchParams }: { searchParams: Promise<Record<string, string | undefined>> }) {
  const user = await requireUser("/dashboard/settings");
  const params = await searchParams;
  const db = await getDb();
  const connections = await db.select().from(providerConnections).where(eq(providerConnections.userId, user.id));
  const byProvider = new Map(connections.map((c) => [c.provider, c]));
  const syncByProvider = new Map((await syncStatus(db, user.id)).map((s) => [s.provider, s]));
  const deliveryIssues = await webhookDeliveryIssues(db, user.id);
  const { zone, weekStart } = await displayPreferences(db, user.id);
  const units = await unitsPreference();
  const subject = isProviderId(params.provider) ? providers[params.provider].name : undefined;

  return (
    <div className="space-y-8">
      <div className="flex flex-wrap items-baseline gap-x-4 gap-y-1">
        <h1 className="text-2xl font-bold">Settings</h1>
        <Link href="/dashboard/settings/account" className="text-sm text-brand-dark underline">
          Your account: password, export, delete
        </Link>
        <Link href="/dashboard/settings/goals" className="text-sm text-brand-dark underline">
          Goals (Beeminder)
        </Link>
        <Link href="/dashboard/settings/import" className="text-sm text-brand-dark underline">
          Import history from files
        </Link>
      </div>
      {params.error ? (
        <p role="alert" className="rounded border border-red-200 bg-red-50 px-4 py-3 text-red-800">
          {subject ? `${subject}: ` : ""}
          {params.error}
        </p>
      ) : null}
      {params.connected && subject ? (
        <p role="status" className="rounded border border-green-200 bg-green-50 px-4 py-3 text-green-800">
          {subject} is connected.
        </p>
      ) : null}
      {params.disconnected && subject ? (
        <p role="status" className="rounded border border-slate-200 bg-white px-4 py-3">
          {subject} is disconnected.{params.note ? ` ${params.note}` : ""}
        </p>
      ) : null}

      <section aria-labelledby="sources-heading">
        <h2 id="sources-heading" className="text-xl font-semibold">
          Connected sources
        </h2>
        <ul className="mt-4 grid gap-4 md:grid-cols-2">
          {providerList.map((provider) => {
            const connection = byProvider.get(provider.id);
            return (
              <ProviderCard
                key={provider.id}
                provider={{
                  id: provider.id,
                  name: provider.name,
                  authKind: provider.authKind,
                  dataTypes: provider.dataTypes,
                  credentialVars: provider.credentialVars,
                  credentialsUrl: provider.credentialsUrl,
                  notice: provider.notice,
                  retired:
                    provider.authKind === "retired"
                      ? {
                          note: retirementNote(provider)!,
                          successorId: provider.retired.successor,
                          successorName: providerName(provider.retired.successor),
                          successorConfigured: isConfigured(providers[provider.retired.successor]),
                          successorConnected: byProvider.get(provider.retired.successor)?.status === "active",
                        }
                      : undefined,
                  configured: isConfigured(provider),
                  oauth2Available: provider.id === "garmin" && !!providerVar("GARMIN_CLIENT_ID") && !!providerVar("GARMIN_CLIENT_SECRET"),
                }}
                zone={zone}
                connection={
                  connection
                    ? {
                        status: connection.status,
                        authKind: connection.authKind,
                        displayName: connection.displayName ?? connection.providerUserId,
                        connectedAt: connection.connectedAt.toISOString().slice(0, 10),
                        lastError: connection.lastError,
                        notice: provider.connectionNotice?.({ scopes: connection.scopes, meta: (connection.meta ?? {}) as Record<string, unknown> }),
                        sync: syncByProvider.get(provider.id) ?? null,
                        deliveryIssues: deliveryIssues.get(connection.id) ?? null,
                        firstDeliveryOverdue: syncByProvider.get(provider.id)?.firstDeliveryOverdue ?? false,
                      }
                    : null
                }
              />
            );
          })}
        </ul>
      </section>

      <PhoneApps />

      <FhirAccess />

      <FhirExport />

      <PreferencesForms timeZone={zone} units={units} weekStart={weekStart} zones={Intl.supportedValuesOf("timeZone")} />
    </div>
  );
}
