import Link from "next/link";
import { AuthCard } from "@/components/auth-card";
import { SignInForm } from "./sign-in-form";
import { safeReturnPath } from "@/lib/auth/return-path";
import { env } from "@/lib/env";

export default async function SignInPage({ searchParams }: { searchParams: Promise<Record<string, string | undefined>> }) {
  const params = await searchParams;
  const callbackUrl = safeReturnPath(params.callbackUrl, "/dashboard", env().APP_URL);
  return (
    <AuthCard title="Sign in">
      <SignInForm callbackUrl={callbackUrl} initialError={params.error} />
      <p className="mt-6 text-sm text-slate-600">
        No account yet?{" "}
        <Link className="font-medium text-brand-dark underline" href={`/signup?callbackUrl=${encodeURIComponent(callbackUrl)}`}>
          Create an account
        </Link>
      </p>
    </AuthCard>
  );
}
