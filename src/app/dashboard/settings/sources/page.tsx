import Link from "next/link";
import { requireUser } from "@/lib/auth/session";
import { getDb } from "@/lib/db";
import { sourceOrders } from "@/lib/dashboard/preferences";
import { SourceOrder } from "./source-order";

export const dynamic = "force-dynamic";

export default async function SourcesPage() {
  const user = await requireUser("/dashboard/settings/sources");
  const orders = await sourceOrders(await getDb(), user.id);
  return (
    <div className="space-y-6">
      <div>
        <Link href="/dashboard/settings" className="text-sm text-brand-dark underline">
          ← Settings
        </Link>
        <h1 className="mt-1 text-2xl font-bold">Source order</h1>
        <p className="mt-1 text-sm text-slate-600">
          When several sources report the same thing, the one higher in the list counts; totals from overlapping devices
          count once. Moving a source recomputes all your days at once.
        </p>
      </div>
      <div className="grid gap-4 md:grid-cols-2">
        {orders.map((o) => (
          <SourceOrder key={o.key} order={o} />
        ))}
      </div>
    </div>
  );
}
