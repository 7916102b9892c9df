import { ChangePasswordForm, DeleteAccountForm } from "./account-forms";

export function AccountForms({ email }: { email: string }) {
  return (
    <div className="space-y-10">
      <h1 className="text-2xl font-bold">Your account</h1>
      <p className="text-sm text-slate-600">Signed in as {email}.</p>

      <section aria-labelledby="password-heading" className="space-y-3">
        <h2 id="password-heading" className="text-xl font-semibold">
          Change password
        </h2>
        <p className="text-sm text-slate-600">Changing the password signs out every other browser and device.</p>
        <ChangePasswordForm />
      </section>

      <section aria-labelledby="export-heading" className="space-y-3">
        <h2 id="export-heading" className="text-xl font-semibold">
          Export your data
        </h2>
        <p className="text-sm text-slate-600">
          One JSON file with everything stored for you: connections, activities, nights, daily summaries, measurements, raw
          records and sync history. Tokens and keys are never included.
        </p>
        <a className="inline-block rounded border border-slate-300 px-4 py-2 text-sm hover:bg-slate-100" href="/api/account/export" download>
          Download export (JSON)
        </a>
      </section>

      <section aria-labelledby="delete-heading" className="space-y-3">
        <h2 id="delete-heading" className="text-xl font-semibold text-red-800">
          Delete account
        </h2>
        <p className="text-sm text-slate-600">
          Revokes Healthbridge&apos;s access at every connected provider, then deletes your API keys, tokens and all your data.
          This cannot be undone.
        </p>
        <DeleteAccountForm />
      </section>
    </div>
  );
}
