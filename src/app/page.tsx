import Link from "next/link";
import { providerList } from "@/lib/providers";

export default function LandingPage() {
  return (
    <main className="mx-auto max-w-3xl px-6 py-16">
      <h1 className="text-4xl font-bold text-brand-dark">Healthbridge</h1>
      <p className="mt-4 text-lg">
        Connect every fitness and health account you own and see all of it — normalized, reconciled and charted — in
        one dashboard you host yourself.
      </p>
      <p className="mt-2 text-slate-600">{providerList.map((p) => p.name).join(" · ")}</p>
      <div className="mt-8 flex gap-4">
        <Link className="rounded bg-brand px-4 py-2 font-medium text-white hover:bg-brand-dark" href="/signup">
          Create an account
        </Link>
        <Link className="rounded border border-slate-300 px-4 py-2 font-medium hover:bg-white" href="/signin">
          Sign in
        </Link>
      </div>
    </main>
  );
}
