"use client";

import { signIn } from "next-auth/react";
import { useState } from "react";
import { Field, FormError, SubmitButton } from "@/components/form";
import { signUpAction } from "./actions";

export function SignUpForm({ callbackUrl }: { callbackUrl: string }) {
  const [error, setError] = useState<string>();
  const [pending, setPending] = useState(false);

  async function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setPending(true);
    setError(undefined);
    try {
      const result = await signUpAction({ email: form.get("email"), password: form.get("password"), name: form.get("name") });
      if (!result.ok) {
        setPending(false);
        setError(result.error);
        return;
      }
      const signedIn = await signIn("credentials", { email: form.get("email"), password: form.get("password"), redirect: false });
      if (signedIn?.ok && !signedIn.error) return window.location.assign(callbackUrl);
      setPending(false);
      // Neutral on purpose: it must not tell whether the e-mail already had an account.
      setError(
        signedIn?.error?.startsWith("Too many")
          ? signedIn.error
          : "We could not sign you in with this e-mail and password. If you already have an account, sign in with its password.",
      );
    } catch {
      // The server failed (or is unreachable): say so instead of spinning forever.
      setPending(false);
      setError("The server could not process this request. Try again in a moment.");
    }
  }

  return (
    <form method="post" onSubmit={onSubmit} className="space-y-4" noValidate>
      <Field label="Name (optional)" name="name" autoComplete="name" />
      <Field label="Email" name="email" type="email" autoComplete="email" required />
      <Field
        label="Password"
        name="password"
        type="password"
        autoComplete="new-password"
        required
        hint="At least 10 characters, mixing letters with digits or symbols."
      />
      <FormError message={error} />
      <SubmitButton pending={pending}>Create account</SubmitButton>
    </form>
  );
}
