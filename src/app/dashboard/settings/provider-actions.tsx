"use client";

import { useActionState, useEffect, useId, useRef, useState } from "react";
import type { DefinitionKind } from "@/lib/providers/types";
import { connectCredentialsAction, disconnectAction, migrateGarminAction, type ActionResult } from "./actions";

const button = "rounded px-3 py-1.5 text-sm font-medium";
const primary = `${button} bg-brand text-white hover:bg-brand-dark disabled:opacity-60`;
const secondary = `${button} border border-slate-300 hover:bg-slate-100 disabled:opacity-60`;

type Props = {
  providerId: string;
  providerName: string;
  authKind: DefinitionKind;
  configured: boolean;
  connected: boolean;
  needsReauth: boolean;
  canMigrateToOAuth2: boolean;
};

export function ProviderActions(props: Props) {
  const { providerId, providerName, authKind, configured, connected, needsReauth } = props;
  if (!configured || authKind === "bridge") return null;
  // A retired provider takes no connections; an old one can still be disconnected (its card offers the successor).
  if (authKind === "retired")
    return connected ? (
      <div className="mt-3">
        <DisconnectControl providerId={providerId} providerName={providerName} retired />
      </div>
    ) : null;
  const redirectFlow = authKind === "oauth2";
  return (
    <div className="mt-3 space-y-3">
      <div className="flex flex-wrap gap-2">
        {redirectFlow && (!connected || needsReauth) ? (
          <a className={primary} href={`/api/oauth/connect?provider=${providerId}`}>
            {connected ? `Reconnect ${providerName}` : `Connect ${providerName}`}
          </a>
        ) : null}
        {connected && props.canMigrateToOAuth2 ? <MigrateButton providerName={providerName} /> : null}
      </div>
      {!redirectFlow && (!connected || needsReauth) ? (
        <CredentialsForm providerId={providerId} providerName={providerName} kind={authKind} reconnect={connected} />
      ) : null}
      {connected ? <DisconnectControl providerId={providerId} providerName={providerName} /> : null}
    </div>
  );
}

function CredentialsForm({
  providerId,
  providerName,
  kind,
  reconnect,
}: {
  providerId: string;
  providerName: string;
  kind: "api_key" | "password";
  reconnect: boolean;
}) {
  const [state, action, pending] = useActionState<ActionResult | null, FormData>(connectCredentialsAction, null);
  const id = useId();
  return (
    <form action={action} className="space-y-2 rounded border border-slate-200 p-3" aria-label={`Connect ${providerName}`}>
      <input type="hidden" name="provider" value={providerId} />
      {kind === "api_key" ? (
        <div>
          <label htmlFor={`${id}-key`} className="block text-sm font-medium">
            API key
          </label>
          <input id={`${id}-key`} name="apiKey" autoComplete="off" required className="mt-1 w-full rounded border border-slate-300 px-2 py-1" />
        </div>
      ) : (
        <>
          <div>
            <label htmlFor={`${id}-email`} className="block text-sm font-medium">
              {providerName} email
            </label>
            <input id={`${id}-email`} name="email" type="email" autoComplete="off" required defaultValue={state && !state.ok ? state.email : undefined} className="mt-1 w-full rounded border border-slate-300 px-2 py-1" />
          </div>
          <div>
            <label htmlFor={`${id}-password`} className="block text-sm font-medium">
              {providerName} password
            </label>
            <input id={`${id}-password`} name="password" type="password" autoComplete="off" required className="mt-1 w-full rounded border border-slate-300 px-2 py-1" />
            <p className="mt-1 text-xs text-slate-500">Used once to sign in; never stored.</p>
          </div>
        </>
      )}
      {state && !state.ok ? (
        <p role="alert" className="text-sm text-red-700">
          {state.error}
        </p>
      ) : null}
      <button type="submit" className={primary} disabled={pending}>
        {pending ? "Checking…" : reconnect ? `Reconnect ${providerName}` : `Connect ${providerName}`}
      </button>
    </form>
  );
}

function MigrateButton({ providerName }: { providerName: string }) {
  const [state, action, pending] = useActionState<ActionResult | null, FormData>(migrateGarminAction, null);
  return (
    <form action={action}>
      <button type="submit" className={secondary} disabled={pending}>
        {pending ? "Migrating…" : `Migrate ${providerName} to OAuth 2.0`}
      </button>
      {state && !state.ok ? (
        <p role="alert" className="mt-1 text-sm text-red-700">
          {state.error}
        </p>
      ) : null}
    </form>
  );
}

/** Disconnect asks first, and lets the user keep or delete what was already synced. */
function DisconnectControl({ providerId, providerName, retired = false }: { providerId: string; providerName: string; retired?: boolean }) {
  const [confirming, setConfirming] = useState(false);
  const [state, action, pending] = useActionState<ActionResult | null, FormData>(disconnectAction, null);
  const cancelRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (confirming) cancelRef.current?.focus();
  }, [confirming]);

  if (!confirming)
    return (
      <button type="button" className={secondary} onClick={() => setConfirming(true)}>
        Disconnect
      </button>
    );
  return (
    <form
      action={action}
      role="group"
      aria-label={`Confirm disconnecting ${providerName}`}
      className="space-y-2 rounded border border-amber-300 bg-amber-50 p-3"
      onKeyDown={(e) => e.key === "Escape" && setConfirming(false)}
    >
      <input type="hidden" name="provider" value={providerId} />
      <p className="text-sm">
        Disconnect {providerName}?{" "}
        {retired
          ? `${providerName}'s old API is switched off, so nothing can be revoked there; the stored tokens are deleted.`
          : `Access is revoked at ${providerName} where possible and the stored tokens are deleted.`}
      </p>
      <label className="flex items-center gap-2 text-sm">
        <input type="checkbox" name="deleteData" value="true" />
        Also delete the data already synced from {providerName}
      </label>
      {state && !state.ok ? (
        <p role="alert" className="text-sm text-red-700">
          {state.error}
        </p>
      ) : null}
      <div className="flex gap-2">
        <button type="submit" className={`${button} bg-red-700 text-white hover:bg-red-800`} disabled={pending}>
          {pending ? "Disconnecting…" : "Confirm disconnect"}
        </button>
        <button type="button" ref={cancelRef} className={secondary} onClick={() => setConfirming(false)}>
          Cancel
        </button>
      </div>
    </form>
  );
}
