"use client";

import { useActionState } from "react";
import { createFhirTokenAction, revokeFhirTokenAction, type CreateFhirTokenState } from "./fhir-token-actions";
import { CreateKeyForm, KeyList, NewKey, type PhoneAppKey } from "./phone-apps-panel";

export function FhirAccessPanel({ baseUrl, patientId, tokens }: { baseUrl: string; patientId: string; tokens: PhoneAppKey[] }) {
  const [created, createAction, creating] = useActionState<CreateFhirTokenState, FormData>(createFhirTokenAction, null);
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
      <CreateKeyForm action={createAction} pending={creating} failed={created && !created.ok ? created.error : null} noun="token" placeholder="Health record app" />
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
