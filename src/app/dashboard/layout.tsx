import Link from "next/link";
import { SignOutButton } from "@/components/sign-out-button";
import { getSessionUser } from "@/lib/auth/session";

export default async function DashboardLayout({ children }: { children: React.ReactNode }) {
  // Each page also calls requireUser(its own path) so the visitor comes back to where they were.
  const user = await getSessionUser();
  return (
    <div>
      <header className="border-b border-slate-200 bg-white">
        <nav aria-label="Main" className="mx-auto flex max-w-5xl items-center gap-6 px-6 py-3">
          <Link href="/dashboard" className="font-semibold text-brand-dark">
            Healthbridge
          </Link>
          <Link href="/dashboard" className="text-sm hover:underline">
            Dashboard
          </Link>
          <Link href="/dashboard/settings" className="text-sm hover:underline">
            Settings
          </Link>
          <span className="ml-auto text-sm text-slate-600">{user?.email}</span>
          {user ? <SignOutButton /> : null}
        </nav>
      </header>
      <main className="mx-auto max-w-5xl px-6 py-8">{children}</main>
    </div>
  );
}
