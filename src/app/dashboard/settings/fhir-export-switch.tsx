"use client";

import { useActionState, useId } from "react";
import { fhirExportConsentAction, type FhirExportConsentState } from "./fhir-export-actions";

/**
 * "Send my data to <host>": a native button with role="switch", so Tab reaches it and Space or
 * Enter flips it; the page re-renders from the server with the stored state.
 */
export function FhirExportSwitch({ host, enabled }: { host: string; enabled: boolean }) {
  const [state, action, pending] = useActionState<FhirExportConsentState, FormData>(fhirExportConsentAction, null);
  const hintId = useId();
  const on = state?.ok ? state.enabled : enabled;
  return (
    <div className="space-y-1">
      <form action={action}>
        <input type="hidden" name="enabled" value={on ? "off" : "on"} />
        <button
          type="submit"
          role="switch"
          aria-checked={on}
          aria-describedby={hintId}
          disabled={pending}
          className="inline-flex items-center gap-3 rounded px-1 py-1 text-sm font-medium disabled:opacity-60"
        >
          <span aria-hidden="true" className={`relative inline-block h-6 w-11 rounded-full transition-colors ${on ? "bg-brand" : "bg-slate-300"}`}>
            <span className={`absolute top-0.5 h-5 w-5 rounded-full bg-white shadow transition-all ${on ? "left-[1.375rem]" : "left-0.5"}`} />
          </span>
          <span>Send my data to {host}</span>
          <span aria-hidden="true" className="text-xs text-slate-600">
            {on ? "On" : "Off"}
          </span>
        </button>
      </form>
      <p id={hintId} className="text-xs text-slate-600">
        Off unless you turn it on. On: all your Observations go there, past ones included, then new ones as they land. Turning it off stops
        further exports; what was already sent stays on that server (ask its operator to delete it).
      </p>
      {state ? (
        <p role={state.ok ? "status" : "alert"} className={`text-sm ${state.ok ? "text-green-800" : "text-red-800"}`} data-testid="fhir-export-consent-message">
          {state.ok
            ? state.enabled
              ? `On: your Observations go to ${host} with the next export pass.`
              : `Off: nothing more of yours is sent. What was already sent stays on ${host}.`
            : state.error}
        </p>
      ) : null}
    </div>
  );
}
