"use client";

import { useId, useSyncExternalStore } from "react";

type FieldProps = React.InputHTMLAttributes<HTMLInputElement> & { label: string; name: string; hint?: string };

export function Field({ label, hint, ...input }: FieldProps) {
  const id = useId();
  return (
    <div>
      <label htmlFor={id} className="block text-sm font-medium">
        {label}
      </label>
      <input
        id={id}
        aria-describedby={hint ? `${id}-hint` : undefined}
        className="mt-1 block w-full rounded border border-slate-300 px-3 py-2 focus:border-brand"
        {...input}
      />
      {hint ? (
        <p id={`${id}-hint`} className="mt-1 text-xs text-slate-500">
          {hint}
        </p>
      ) : null}
    </div>
  );
}

export function FormError({ message }: { message?: string }) {
  if (!message) return null;
  return (
    <p role="alert" className="rounded border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800">
      {message}
    </p>
  );
}

const noSubscription = () => () => {};

/** Disabled until hydrated, so an early click can never submit the form natively (credentials in a URL). */
export function SubmitButton({ pending, children }: { pending?: boolean; children: React.ReactNode }) {
  const hydrated = useSyncExternalStore(noSubscription, () => true, () => false);
  return (
    <button
      type="submit"
      disabled={pending || !hydrated}
      className="w-full rounded bg-brand px-4 py-2 font-medium text-white hover:bg-brand-dark disabled:opacity-60"
    >
      {pending ? "Please wait…" : children}
    </button>
  );
}
