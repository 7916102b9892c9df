"use client";

import { signIn, signOut } from "next-auth/react";
import { useState } from "react";
import { Field, FormError } from "@/components/form";
import { changePasswordAction, deleteAccountAction } from "./actions";

const button = "rounded bg-brand px-4 py-2 font-medium text-white hover:bg-brand-dark disabled:opacity-60";
const danger = "rounded bg-red-700 px-4 py-2 font-medium text-white hover:bg-red-800 disabled:opacity-60";
const failed = "The server could not process this request. Try again in a moment.";

export function ChangePasswordForm() {
  const [error, setError] = useState<string>();
  const [done, setDone] = useState(false);
  const [pending, setPending] = useState(false);

  async function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const data = new FormData(form);
    setPending(true);
    setError(undefined);
    setDone(false);
    try {
      const result = await changePasswordAction({ current: data.get("current"), next: data.get("next"), confirm: data.get("confirm") });
      if (!result.ok) return setError(result.error);
      // Every session was revoked, this one too: sign in again with the new password.
      const again = await signIn("credentials", { email: result.email, password: data.get("next"), redirect: false });
      if (!again?.ok || again.error) return window.location.assign("/signin?callbackUrl=%2Fdashboard%2Fsettings%2Faccount");
      form.reset();
      setDone(true);
    } catch {
      setError(failed);
    } finally {
      setPending(false);
    }
  }

  return (
    <form method="post" onSubmit={onSubmit} className="max-w-md space-y-4" noValidate aria-label="Change password">
      <Field label="Current password" name="current" type="password" autoComplete="current-password" required />
      <Field
        label="New password"
        name="next"
        type="password"
        autoComplete="new-password"
        required
        hint="At least 10 characters, mixing letters with digits or symbols."
      />
      <Field label="Confirm new password" name="confirm" type="password" autoComplete="new-password" required />
      <FormError message={error} />
      {done ? (
        <p role="status" className="rounded border border-green-200 bg-green-50 px-3 py-2 text-sm text-green-800">
          Password changed. Every other session was signed out.
        </p>
      ) : null}
      <button type="submit" className={button} disabled={pending}>
        {pending ? "Please wait…" : "Change password"}
      </button>
    </form>
  );
}

export function DeleteAccountForm() {
  const [error, setError] = useState<string>();
  const [pending, setPending] = useState(false);

  async function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    setPending(true);
    setError(undefined);
    try {
      const result = await deleteAccountAction({ password: data.get("password"), confirm: data.get("confirm") });
      if (!result.ok) {
        setPending(false);
        return setError(result.error);
      }
      await signOut({ callbackUrl: "/signup" });
    } catch {
      setPending(false);
      setError(failed);
    }
  }

  return (
    <form method="post" onSubmit={onSubmit} className="max-w-md space-y-4" noValidate aria-label="Delete account">
      <Field label="Password" name="password" type="password" autoComplete="current-password" required />
      <Field label="Type DELETE to confirm" name="confirm" autoComplete="off" required />
      <FormError message={error} />
      <button type="submit" className={danger} disabled={pending}>
        {pending ? "Please wait…" : "Delete my account"}
      </button>
    </form>
  );
}
