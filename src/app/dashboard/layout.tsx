import Link from "next/link";
import { SignOutButton } from "@/components/sign-out-button";
import { getSessionUser } from "@/lib/auth/session";

export default async function DashboardLayout({ children }: { children: React.ReactNode }) {
  // Each page also calls requireUser(its own path) so the visitor comes back to where they were.
  const user = await getSessionUser();
  return (
    <div className="min-w-0 overflow-x-clip">
      <header className="border-b border-slate-200 bg-white">
        {/* Wraps on a phone so every link and Sign out stay on screen (no horizontal scroll at 390 px). */}
        <nav aria-label="Main" className="mx-auto flex max-w-5xl flex-wrap items-center gap-x-5 gap-y-2 px-4 py-3 sm:px-6">
          <Link href="/dashboard" className="font-semibold text-brand-dark">
            Healthbridge
          </Link>
          <Link href="/dashboard" className="text-sm hover:underline">
            Dashboard
          </Link>
          <Link href="/dashboard/activities" className="text-sm hover:underline">
            Activities
          </Link>
          <Link href="/dashboard/sleep" className="text-sm hover:underline">
            Sleep
          </Link>
          <Link href="/dashboard/heart" className="text-sm hover:underline">
            Heart & body
          </Link>
          <Link href="/dashboard/settings" className="text-sm hover:underline">
            Settings
          </Link>
          <span className="ml-auto hidden max-w-[16rem] truncate text-sm text-slate-600 md:inline">{user?.email}</span>
          {user ? <SignOutButton /> : null}
        </nav>
      </header>
      <main className="mx-auto max-w-5xl px-4 py-6 sm:px-6 sm:py-8">{children}</main>
    </div>
  );
}
