"use client";

import { useActionState, useId } from "react";
import { createFhirTokenAction, revokeFhirTokenAction, type CreateFhirTokenState } from "./fhir-token-actions";
import { KeyList, NewKey, type PhoneAppKey } from "./phone-apps-panel";

export function FhirAccessPanel({ baseUrl, patientId, tokens }: { baseUrl: string; patientId: string; tokens: PhoneAppKey[] }) {
  const [created, createAction, creating] = useActionState<CreateFhirTokenState, FormData>(createFhirTokenAction, null);
  const nameId = useId();
  return (
    <section aria-labelledby="fhir-heading" className="space-y-4">
      <div>
        <h2 id="fhir-heading" className="text-xl font-semibold">
          FHIR API access
        </h2>
        <p className="mt-1 text-sm text-slate-600">
          Apps that speak FHIR R4 can read your data as standard Observations at{" "}
          <code className="break-all rounded bg-slate-100 px-1 py-0.5 font-mono text-xs">{baseUrl}</code> (your Patient id
          is <code className="rounded bg-slate-100 px-1 py-0.5 font-mono text-xs">{patientId}</code>). Give each app its own
          token: tokens can only read, and revoking one stops that app at once.
        </p>
      </div>
      <form action={createAction} className="flex flex-wrap items-end gap-3">
        <div>
          <label htmlFor={nameId} className="block text-sm font-medium">
            Token name
          </label>
          <input
            id={nameId}
            name="name"
            required
            maxLength={60}
            placeholder="Health record app"
            className="mt-1 block w-56 rounded border border-slate-300 px-3 py-2 focus:border-brand"
          />
        </div>
        <button
          type="submit"
          disabled={creating}
          className="rounded bg-brand px-4 py-2 font-medium text-white hover:bg-brand-dark disabled:opacity-60"
        >
          {creating ? "Creating…" : "Create token"}
        </button>
      </form>
      {created && !created.ok ? (
        <p role="alert" className="rounded border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800">
          {created.error}
        </p>
      ) : null}
      {created?.ok ? <NewKey name={created.name} value={created.key} what="Token" label="New FHIR access token" /> : null}
      {created?.ok ? (
        <p className="text-sm text-slate-600">
          Send it as <code className="font-mono text-xs">Authorization: Bearer …</code>.
        </p>
      ) : null}
      <KeyList keys={tokens} revoke={revokeFhirTokenAction} caption="Your FHIR access tokens" />
    </section>
  );
}
