"use client";

import { useActionState } from "react";
import { moveSourceAction, resetSourcesAction, type MoveSourceState, type ResetSourcesState } from "../preference-actions";

type Order = { key: string; label: string; custom: boolean; providers: Array<{ id: string; name: string }> };

/** One metric's sources, best first, each with Move up / Move down buttons (plain submit buttons: keyboard and no-JS alike). */
export function SourceOrder({ order }: { order: Order }) {
  const [moved, move, moving] = useActionState<MoveSourceState, FormData>(moveSourceAction, null);
  const [reset, resetAction, resetting] = useActionState<ResetSourcesState, FormData>(resetSourcesAction, null);
  const busy = moving || resetting;
  const error = (moved && !moved.ok && moved.error) || (reset && !reset.ok && reset.error);
  const headingId = `order-${order.key}`;
  return (
    <section id={order.key} aria-labelledby={headingId} className="rounded-lg border border-slate-200 bg-white p-4">
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <h2 id={headingId} className="font-semibold">
          {order.label}
        </h2>
        <span className="text-xs text-slate-500">{order.custom ? "Your order" : "Default order"}</span>
      </div>
      {error ? (
        <p role="alert" className="mt-2 rounded border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800">
          {error}
        </p>
      ) : null}
      <p aria-live="polite" className="sr-only">
        {busy ? "Saving and recomputing…" : moved?.ok ? `Moved ${order.providers.find((p) => p.id === moved.provider)?.name ?? ""} ${moved.direction}.` : ""}
      </p>
      <ol className="mt-2 space-y-1">
        {order.providers.map((p, i) => (
          <li key={p.id} className="flex items-center gap-2 text-sm" data-provider={p.id}>
            <span className="w-6 text-right text-slate-500">{i + 1}.</span>
            <span className="flex-1">{p.name}</span>
            <form action={move} className="flex gap-1">
              <input type="hidden" name="metric" value={order.key} />
              <input type="hidden" name="provider" value={p.id} />
              <button
                type="submit"
                name="direction"
                value="up"
                disabled={busy || i === 0}
                aria-label={`Move ${p.name} up in ${order.label}`}
                className="rounded border border-slate-300 px-2 py-0.5 hover:bg-slate-100 disabled:opacity-40"
              >
                ↑
              </button>
              <button
                type="submit"
                name="direction"
                value="down"
                disabled={busy || i === order.providers.length - 1}
                aria-label={`Move ${p.name} down in ${order.label}`}
                className="rounded border border-slate-300 px-2 py-0.5 hover:bg-slate-100 disabled:opacity-40"
              >
                ↓
              </button>
            </form>
          </li>
        ))}
      </ol>
      {order.custom ? (
        <form action={resetAction} className="mt-2">
          <input type="hidden" name="metric" value={order.key} />
          <button type="submit" disabled={busy} className="text-sm text-brand-dark underline disabled:opacity-40">
            Back to the default order
          </button>
        </form>
      ) : null}
    </section>
  );
}
