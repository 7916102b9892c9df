"use client";

import { signIn } from "next-auth/react";
import { useState } from "react";
import { Field, FormError, SubmitButton } from "@/components/form";

const friendly: Record<string, string> = {
  CredentialsSignin: "Wrong e-mail or password.",
  SessionRequired: "Please sign in to continue.",
  ServerFailure: "The server could not process this request. Try again in a moment.",
  Configuration: "The server could not process this request. Try again in a moment.",
};

export function SignInForm({ callbackUrl, initialError }: { callbackUrl: string; initialError?: string }) {
  const [error, setError] = useState<string | undefined>(initialError ? (friendly[initialError] ?? initialError) : undefined);
  const [pending, setPending] = useState(false);

  async function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setPending(true);
    setError(undefined);
    let result: Awaited<ReturnType<typeof signIn>>;
    try {
      result = await signIn("credentials", { email: form.get("email"), password: form.get("password"), redirect: false });
    } catch {
      result = { ok: false, error: "ServerFailure", status: 500, url: null };
    }
    if (result?.ok && !result.error) {
      window.location.assign(callbackUrl);
      return;
    }
    setPending(false);
    setError(friendly[result?.error ?? ""] ?? result?.error ?? "Sign-in failed. Try again.");
  }

  return (
    <form method="post" onSubmit={onSubmit} className="space-y-4" noValidate>
      <Field label="Email" name="email" type="email" autoComplete="email" required />
      <Field label="Password" name="password" type="password" autoComplete="current-password" required />
      <FormError message={error} />
      <SubmitButton pending={pending}>Sign in</SubmitButton>
    </form>
  );
}
