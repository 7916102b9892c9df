import Link from "next/link";
import type { ReactNode } from "react";
import { sourceLabel, type SourceRef } from "@/lib/reconcile/priority";

type Copy = SourceRef & { id: string; primary: boolean; reason: string; fields: string[]; row: unknown };

/** Every source's copy of one workout or night, why it counts or not, and a link to reorder sources. */
export function EpisodeCopies<C extends Copy>({
  title,
  copies,
  details,
  reorder,
}: {
  title: string;
  copies: C[];
  /** What to show of a copy that is still stored (extras first, then its fields). */
  details: (copy: C, row: NonNullable<C["row"]>) => ReactNode;
  reorder: { href: string; label: string };
}) {
  return (
    <section aria-labelledby="copies-heading">
      <h2 id="copies-heading" className="text-lg font-semibold">
        {title} ({copies.length})
      </h2>
      <ul className="mt-2 space-y-3">
        {copies.map((c) => (
          <li key={c.id} className="rounded-lg border border-slate-200 bg-white p-4 text-sm">
            <p className="font-medium">
              {sourceLabel(c)}
              {c.primary ? " — primary copy" : ""}
            </p>
            <p className="text-slate-600">{c.reason}</p>
            {c.row ? details(c, c.row as NonNullable<C["row"]>) : <p className="text-slate-500">This copy is no longer stored.</p>}
          </li>
        ))}
      </ul>
      <Link href={reorder.href} className="mt-2 inline-block text-sm text-brand-dark underline">
        {reorder.label}
      </Link>
    </section>
  );
}
