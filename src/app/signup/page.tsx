import Link from "next/link";
import { AuthCard } from "@/components/auth-card";
import { safeReturnPath } from "@/lib/auth/return-path";
import { env } from "@/lib/env";
import { SignUpForm } from "./sign-up-form";

export default async function SignUpPage({ searchParams }: { searchParams: Promise<Record<string, string | undefined>> }) {
  const params = await searchParams;
  const callbackUrl = safeReturnPath(params.callbackUrl, "/dashboard", env().APP_URL);
  return (
    <AuthCard title="Create your account">
      <SignUpForm callbackUrl={callbackUrl} />
      <p className="mt-6 text-sm text-slate-600">
        Already have an account?{" "}
        <Link className="font-medium text-brand-dark underline" href={`/signin?callbackUrl=${encodeURIComponent(callbackUrl)}`}>
          Sign in
        </Link>
      </p>
    </AuthCard>
  );
}
