import type { DataType, DefinitionKind, ProviderId } from "@/lib/providers/types";
import { formatTime } from "@/lib/dashboard/format";
import { FIRST_DELIVERY_HOURS, type ConnectionSyncStatus } from "@/lib/sync/status";
import { DELIVERY_ISSUE_DAYS, type DeliveryIssues } from "@/lib/webhooks/status";
import { ProviderActions } from "./provider-actions";
import { SyncPanel } from "./sync-panel";

export type ProviderCardProps = {
  provider: {
    id: ProviderId;
    name: string;
    authKind: DefinitionKind;
    dataTypes: DataType[];
    credentialVars: string[][];
    credentialsUrl?: string;
    notice?: string;
    /** The provider's API is switched off (its data stays); `successor` is where the user reconnects. */
    retired?: {
      /** "Fitbit's old Web API was switched off on 2026-11-02." */
      note: string;
      successorId: ProviderId;
      successorName: string;
      successorConfigured: boolean;
      /** The user has an active connection to the successor: the data comes through it now. */
      successorConnected: boolean;
    };
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
    /** About this connection, fixed by reconnecting (e.g. scopes the user did not grant): the card offers Reconnect. */
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

function stateLine(provider: ProviderCardProps["provider"], connection: ProviderCardProps["connection"]): string {
  if (!provider.configured) return "Not configured";
  const as = connection?.displayName ? ` as ${connection.displayName}` : "";
  if (connection && provider.retired) return `Old connection${as} since ${connection.connectedAt}: no longer syncing`;
  if (connection) return `${statusText[connection.status]}${as} since ${connection.connectedAt}`;
  if (provider.retired) return "Retired: takes no new connections";
  return provider.authKind === "bridge" ? "Configured: push from the phone app with an API key" : "Configured: not connected";
}

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
        {stateLine(provider, connection)}
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
      {provider.retired ? <RetiredNotice retired={provider.retired} providerName={provider.name} connected={connection !== null} /> : null}
      {connection?.sync ? (
        <div className="mt-3">
          <SyncPanel providerId={provider.id} providerName={provider.name} initial={connection.sync} zone={zone} />
        </div>
      ) : null}
      <ProviderActions
        providerId={provider.id}
        providerName={provider.name}
        authKind={provider.authKind}
        configured={provider.configured}
        connected={connection !== null}
        needsReauth={connection !== null && (connection.status !== "active" || Boolean(connection.notice))}
        canMigrateToOAuth2={connection?.authKind === "oauth1" && !!provider.oauth2Available}
      />
    </li>
  );
}

/**
 * A retired provider's card: what happened and that the stored data stays; with an old connection,
 * one click to the successor's consent page (the unified connect route), until that is connected.
 */
function RetiredNotice({ retired, providerName, connected }: { retired: NonNullable<ProviderCardProps["provider"]["retired"]>; providerName: string; connected: boolean }) {
  const { note, successorId, successorName } = retired;
  if (retired.successorConnected)
    return (
      <p className="mt-2 text-sm" data-testid="retired-notice">
        {note} Your {providerName} data now comes through {successorName}
        {connected ? `; what this old connection synced stays here.` : "."}
      </p>
    );
  if (!connected)
    return (
      <p className="mt-2 text-sm" data-testid="retired-notice">
        {note} Connect {successorName} instead.
      </p>
    );
  return (
    <div className="mt-2 space-y-2 rounded border border-amber-300 bg-amber-50 p-3 text-sm" data-testid="retired-notice">
      <p>
        {note} This connection can no longer sync, and its sign-in does not carry over: reconnect through Google to keep your{" "}
        {providerName} data coming. What was synced here stays.
      </p>
      {retired.successorConfigured ? (
        <a className="inline-block rounded bg-brand px-3 py-1.5 font-medium text-white hover:bg-brand-dark" href={`/api/oauth/connect?provider=${successorId}`}>
          Reconnect through Google
        </a>
      ) : (
        <p className="text-slate-600">{successorName} is not configured on this server yet.</p>
      )}
    </div>
  );
}
