"use client";

import { useActionState, useId, useState, useSyncExternalStore } from "react";
import { formatTime } from "@/lib/dashboard/format";
import {
  createKeyAction,
  revokeKeyAction,
  type CreateKeyState,
  type RevokeKeyState,
} from "@/app/dashboard/settings/api-key-actions";

export type PhoneAppKey = { id: string; name: string; prefix: string; createdAt: string; lastUsedAt: string | null };

const noSubscription = () => () => {};

// Key times in UTC (these lists render where the home zone is not at hand), in the dashboard's one format.
const when = (iso: string | null) => (iso ? formatTime(new Date(iso), null, "UTC") : "never");

export function PhoneAppsPanel({ ingestUrl, keys }: { ingestUrl: string; keys: PhoneAppKey[] }) {
  const [created, createAction, creating] = useActionState<CreateKeyState, FormData>(createKeyAction, null);
  // Android apps send UTC times only; the browser's zone gives their data the right local days.
  const tz = useSyncExternalStore(
    noSubscription,
    () => Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC",
    () => "UTC",
  );
  const key = created?.ok ? created.key : "<your key>";
  const tzQuery = `tz=${encodeURIComponent(tz)}`;
  const androidUrl = `${ingestUrl}?${tzQuery}`;
  const exportsUrl = `${ingestUrl.replace(/^https?:\/\//, "")}?key=${key}&${tzQuery}`;

  return (
    <section aria-labelledby="phone-apps-heading" className="space-y-6">
      <div>
        <h2 id="phone-apps-heading" className="text-xl font-semibold">
          Phone apps
        </h2>
        <p className="mt-1 text-sm text-slate-600">
          Apple Health and Android Health Connect have no cloud API: an app on your phone sends the data here with
          an API key. Make one key per phone, so you can revoke one without touching the others.
        </p>
      </div>

      <CreateKeyForm action={createAction} pending={creating} failed={created && !created.ok ? created.error : null} noun="key" placeholder="iPhone" />
      {created?.ok ? <NewKey name={created.name} value={created.key} /> : null}

      <KeyList keys={keys} />

      <div className="grid gap-4 md:grid-cols-2">
        <Setup title="iPhone: Health Auto Export">
          <li>
            In <em>Health Auto Export</em> open <strong>Automations → New Automation</strong> and choose{" "}
            <strong>REST API</strong> (a premium feature).
          </li>
          <li>
            URL: <Code>{ingestUrl}</Code>
          </li>
          <li>
            Headers: add <Code>X-API-Key</Code> with the value <Code>{key}</Code>
          </li>
          <li>
            Export Format <strong>JSON</strong>, Export Version <strong>2</strong>.
          </li>
          <li>
            Data Type <strong>Health Metrics</strong> (all of them, or the ones you want); make a second automation
            with <strong>Workouts</strong> if your app version allows one data type per automation.
          </li>
          <li>
            Keep <em>Summarize Data</em> on with a time grouping of minutes or hours, and turn on{" "}
            <em>Batch Requests</em> for long periods. Re-sending the same days is safe: nothing is counted twice.
          </li>
          <li>
            For history, use <strong>Manual Export</strong> with a date range.
          </li>
        </Setup>

        <Setup title="Android: Health Connect">
          <li>
            Install <em>Health Connect to Webhook</em> (HC Webhook) or <em>Life Dashboard Companion</em> and grant it
            read access in Health Connect.
          </li>
          <li>
            Webhook URL: <Code>{androidUrl}</Code> (<Code>{tzQuery}</Code> tells us your time zone: these apps send
            UTC times only).
          </li>
          <li>
            Add the header <Code>X-API-Key</Code> with the value <Code>{key}</Code>
          </li>
          <li>Pick the data types and a sync interval. Overlapping windows are fine: data is never duplicated.</li>
          <li>
            <em>Health Connect Exports</em> cannot send headers. Its destination takes the key in the address
            instead: <Code>{exportsUrl}</Code> (the app adds <Code>https://</Code> itself).{" "}
            <strong>This is weaker:</strong> a key in a URL can end up in server and proxy logs and on screens where
            the address is shown, and anyone who sees it can send data to your account. Give that app its own key
            and revoke it if the address ever leaks.
          </li>
        </Setup>
      </div>
    </section>
  );
}

/** The freshly created secret, shown once with a copy button (also used by the FHIR access section). */
export function NewKey({ name, value, what = "Key", label = "New API key" }: { name: string; value: string; what?: string; label?: string }) {
  const [copied, setCopied] = useState(false);
  const inputId = useId();
  async function copy() {
    try {
      await navigator.clipboard.writeText(value);
      setCopied(true);
    } catch {
      // Clipboard refused (permissions, insecure origin): select the text for a manual copy.
      (document.getElementById(inputId) as HTMLInputElement | null)?.select();
    }
  }
  return (
    <div role="status" className="space-y-2 rounded border border-green-200 bg-green-50 p-4">
      <p className="text-sm font-medium text-green-900">
        {what} “{name}” created. Copy it now: it is shown only once.
      </p>
      <div className="flex flex-wrap items-center gap-2">
        <label htmlFor={inputId} className="sr-only">
          {label}
        </label>
        <input
          id={inputId}
          readOnly
          value={value}
          onFocus={(e) => e.currentTarget.select()}
          className="w-full max-w-xl rounded border border-slate-300 bg-white px-3 py-2 font-mono text-sm"
        />
        <button
          type="button"
          onClick={copy}
          className="rounded border border-slate-300 bg-white px-3 py-2 text-sm font-medium hover:bg-slate-50"
        >
          Copy
        </button>
        <span aria-live="polite" className="text-sm text-green-900">
          {copied ? "Copied to the clipboard." : ""}
        </span>
      </div>
    </div>
  );
}

type RevokeAction = (state: RevokeKeyState, form: FormData) => Promise<RevokeKeyState>;

/** Active keys with their last use and a revoke button each; `revoke` picks which kind of key. */
export function KeyList({ keys, revoke = revokeKeyAction, caption = "Your API keys" }: { keys: PhoneAppKey[]; revoke?: RevokeAction; caption?: string }) {
  if (!keys.length) return <p className="text-sm text-slate-600">No keys yet.</p>;
  return (
    // Five columns do not fit a phone: the table scrolls inside its box, the page does not (`relative`
    // also holds the screen-reader-only "Actions" header, which is positioned absolutely).
    <div className="relative overflow-x-auto">
      <table className="w-full text-left text-sm">
        <caption className="sr-only">{caption}</caption>
        <thead className="text-slate-600">
          <tr>
            <th scope="col" className="py-2 pr-4 font-medium">Name</th>
            <th scope="col" className="py-2 pr-4 font-medium">Key</th>
            <th scope="col" className="py-2 pr-4 font-medium">Created</th>
            <th scope="col" className="py-2 pr-4 font-medium">Last used</th>
            <th scope="col" className="py-2 font-medium"><span className="sr-only">Actions</span></th>
          </tr>
        </thead>
        <tbody>
          {keys.map((k) => (
            <KeyRow key={k.id} apiKey={k} revoke={revoke} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

function KeyRow({ apiKey, revoke }: { apiKey: PhoneAppKey; revoke: RevokeAction }) {
  const [state, action, pending] = useActionState<RevokeKeyState, FormData>(revoke, null);
  return (
    <tr className="border-t border-slate-200" data-key-id={apiKey.id}>
      <td className="py-2 pr-4">{apiKey.name}</td>
      <td className="py-2 pr-4 font-mono">{apiKey.prefix}…</td>
      <td className="py-2 pr-4">
        <time dateTime={apiKey.createdAt}>{when(apiKey.createdAt)}</time>
      </td>
      <td className="py-2 pr-4">
        {apiKey.lastUsedAt ? <time dateTime={apiKey.lastUsedAt}>{when(apiKey.lastUsedAt)}</time> : "never"}
      </td>
      <td className="py-2">
        <form action={action}>
          <input type="hidden" name="id" value={apiKey.id} />
          <button
            type="submit"
            disabled={pending}
            className="rounded border border-red-300 px-3 py-1 text-red-700 hover:bg-red-50 disabled:opacity-60"
          >
            Revoke<span className="sr-only"> {apiKey.name}</span>
          </button>
        </form>
        {state && !state.ok ? (
          <p role="alert" className="mt-1 text-xs text-red-700">
            {state.error}
          </p>
        ) : null}
      </td>
    </tr>
  );
}

function Setup({ title, children }: { title: string; children: React.ReactNode }) {
  return (
    <section className="rounded-lg border border-slate-200 bg-white p-4">
      <h3 className="font-semibold">{title}</h3>
      <ol className="mt-2 list-decimal space-y-2 pl-5 text-sm">{children}</ol>
    </section>
  );
}

function Code({ children }: { children: React.ReactNode }) {
  return <code className="break-all rounded bg-slate-100 px-1 py-0.5 font-mono text-xs">{children}</code>;
}

/** The "name it, create it" form of a key or token, with the refusal under it. */
export function CreateKeyForm({
  action,
  pending,
  failed,
  noun,
  placeholder,
}: {
  action: (form: FormData) => void;
  pending: boolean;
  failed: string | null;
  noun: "key" | "token";
  placeholder: string;
}) {
  const nameId = useId();
  return (
    <>
      <form action={action} className="flex flex-wrap items-end gap-3">
        <div>
          <label htmlFor={nameId} className="block text-sm font-medium">
            {noun === "key" ? "Key name" : "Token name"}
          </label>
          <input
            id={nameId}
            name="name"
            required
            maxLength={60}
            placeholder={placeholder}
            className="mt-1 block w-56 rounded border border-slate-300 px-3 py-2 focus:border-brand"
          />
        </div>
        <button
          type="submit"
          disabled={pending}
          className="rounded bg-brand px-4 py-2 font-medium text-white hover:bg-brand-dark disabled:opacity-60"
        >
          {pending ? "Creating…" : `Create ${noun}`}
        </button>
      </form>
      {failed ? (
        <p role="alert" className="rounded border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800">
          {failed}
        </p>
      ) : null}
    </>
  );
}
