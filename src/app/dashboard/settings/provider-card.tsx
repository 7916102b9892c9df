import type { AuthKind, DataType, ProviderId } from "@/lib/providers/types";
import { formatTime } from "@/lib/dashboard/format";
import { FIRST_DELIVERY_HOURS, type ConnectionSyncStatus } from "@/lib/sync/status";
import { DELIVERY_ISSUE_DAYS, type DeliveryIssues } from "@/lib/webhooks/status";
import { ProviderActions } from "./provider-actions";
import { SyncPanel } from "./sync-panel";

export type ProviderCardProps = {
  provider: {
    id: ProviderId;
    name: string;
    authKind: AuthKind;
    dataTypes: DataType[];
    credentialVars: string[][];
    credentialsUrl?: string;
    notice?: string;
    /** The provider is retired: the name of the one to connect instead. */
    retiredFor?: string;
    configured: boolean;
    /** Garmin: OAuth 2.0 credentials are configured, so an OAuth 1.0a connection can be migrated. */
    oauth2Available?: boolean;
  };
  connection: {
    status: "active" | "needs_reauth" | "revoked" | "error";
    authKind: string;
    displayName: string | null;
    connectedAt: string;
    lastError: string | null;
    /** About this connection (e.g. scopes the user did not grant). */
    notice?: string;
    sync: ConnectionSyncStatus | null;
    /** Provider notices refused or failed lately (src/lib/webhooks/status.ts). */
    deliveryIssues?: DeliveryIssues | null;
    /** Push-only and nothing arrived since connecting (ConnectionSyncStatus.firstDeliveryOverdue). */
    firstDeliveryOverdue?: boolean;
  } | null;
  /** The user's home zone: every time on the card is shown in it. */
  zone: string;
};

const statusText: Record<NonNullable<ProviderCardProps["connection"]>["status"], string> = {
  active: "Connected",
  needs_reauth: "Needs re-authorization",
  revoked: "Revoked at the provider",
  error: "Error",
};

export function ProviderCard({ provider, connection, zone }: ProviderCardProps) {
  const headingId = `provider-${provider.id}`;
  return (
    <li aria-labelledby={headingId} className="rounded-lg border border-slate-200 bg-white p-4" data-provider={provider.id}>
      <div className="flex items-baseline justify-between gap-2">
        <h3 id={headingId} className="font-semibold">
          {provider.name}
        </h3>
        <span className="text-xs text-slate-500">{provider.dataTypes.join(", ")}</span>
      </div>
      <p className="mt-1 text-sm" data-testid="provider-state">
        {!provider.configured
          ? "Not configured"
          : connection
            ? `${statusText[connection.status]}${connection.displayName ? ` as ${connection.displayName}` : ""} since ${connection.connectedAt}`
            : provider.authKind === "bridge"
              ? "Configured: push from the phone app with an API key"
              : "Configured: not connected"}
      </p>
      {!provider.configured ? (
        <p className="mt-1 text-xs text-slate-600">
          Set {provider.credentialVars.map((set) => set.join(" and ")).join(", or ")}{" "}
          in the environment
          {provider.credentialsUrl ? (
            <>
              {" "}
              (credentials:{" "}
              <a className="underline" href={provider.credentialsUrl} rel="noreferrer" target="_blank">
                {new URL(provider.credentialsUrl).host}
              </a>
              )
            </>
          ) : null}
          .
        </p>
      ) : null}
      {connection?.lastError && connection.status !== "active" ? (
        <p className="mt-1 text-sm text-red-700">{connection.lastError}</p>
      ) : null}
      {connection?.deliveryIssues ? (
        <p className="mt-1 text-sm text-amber-800" data-testid="webhook-issues">
          {connection.deliveryIssues.count} provider {connection.deliveryIssues.count === 1 ? "notice" : "notices"} refused or failed in the last{" "}
          {DELIVERY_ISSUE_DAYS} days; latest ({formatTime(new Date(connection.deliveryIssues.latestAt), null, zone)}): {connection.deliveryIssues.latestReason}
        </p>
      ) : null}
      {connection?.firstDeliveryOverdue ? (
        <p className="mt-1 text-sm text-amber-800" data-testid="first-delivery-overdue">
          Nothing has arrived from {provider.name} since it was connected (over {FIRST_DELIVERY_HOURS} hours ago): its pushes may be failing or
          not set up. Try reconnecting.
        </p>
      ) : null}
      {connection?.notice ? (
        <p className="mt-1 text-sm text-amber-800" data-testid="connection-notice">
          {connection.notice}
        </p>
      ) : null}
      {provider.notice ? <p className="mt-2 text-xs text-slate-500">{provider.notice}</p> : null}
      {provider.retiredFor && !connection ? (
        <p className="mt-1 text-sm" data-testid="retired-notice">
          Retired: connect {provider.retiredFor} instead.
        </p>
      ) : null}
      {connection?.sync ? (
        <div className="mt-3">
          <SyncPanel providerId={provider.id} providerName={provider.name} initial={connection.sync} zone={zone} />
        </div>
      ) : null}
      <ProviderActions
        providerId={provider.id}
        providerName={provider.name}
        authKind={provider.authKind}
        // A retired provider takes no new connections; an existing one can still be disconnected.
        configured={provider.configured && !(provider.retiredFor && !connection)}
        connected={connection !== null}
        needsReauth={connection !== null && connection.status !== "active"}
        canMigrateToOAuth2={connection?.authKind === "oauth1" && !!provider.oauth2Available}
      />
    </li>
  );
}
