import Link from "next/link";
import { requireUser } from "@/lib/auth/session";
import { getDb } from "@/lib/db";
import { providerVar } from "@/lib/env";
import { BeeminderAuthError, getGoals, type BeeminderGoal } from "@/lib/destinations/beeminder/api";
import { connectionToken, getBeeminderConnection, markBeeminderRevoked } from "@/lib/destinations/beeminder/connection";
import { goalLinks } from "@/lib/destinations/beeminder/links";
import { COUNTABLE_TYPES, goalRule, ruleLabel } from "@/lib/destinations/beeminder/rules";
import { providerList } from "@/lib/providers";
import { formatTime } from "@/lib/dashboard/format";
import { homeZone } from "@/lib/dashboard/overview";
import { disconnectBeeminderAction, editRuleAction, linkGoalAction, sendNowAction, unlinkGoalAction } from "./actions";
import { BeeminderOutage } from "./outage";

export const dynamic = "force-dynamic";

const TYPE_LABELS: Record<(typeof COUNTABLE_TYPES)[number], string> = {
  weight: "Weight",
  fat_ratio: "Body fat",
  bp_systolic: "Systolic BP",
  bp_diastolic: "Diastolic BP",
  heart_rate: "Heart rate",
  spo2: "SpO₂",
  body_temperature: "Temperature",
};

const RULE_CHOICES = [
  ["measurements", "Do more measurements: each measurement counts 1"],
  ["body:weight", "The day's weight (kg)"],
  ["body:body_fat", "The day's body fat (%)"],
  ["activity:steps", "Steps per day"],
  ["activity:exercise_minutes", "Active minutes per day"],
  ["activity:distance", "Distance per day (km)"],
  ["activity:workouts", "Each workout counts 1"],
  ["activity:sleep", "Hours asleep per night"],
] as const;

function RuleFields({ defaults }: { defaults?: { types: string[]; providers: string[] } }) {
  const types = defaults?.types ?? ["weight"];
  const sources = defaults?.providers ?? ["withings"];
  return (
    <>
      <fieldset className="mt-2">
        <legend className="text-sm font-medium">Measurement types that count</legend>
        {COUNTABLE_TYPES.map((t) => (
          <label key={t} className="mr-3 inline-flex items-center gap-1 text-sm">
            <input type="checkbox" name="types" value={t} defaultChecked={types.includes(t)} /> {TYPE_LABELS[t]}
          </label>
        ))}
      </fieldset>
      <fieldset className="mt-2">
        <legend className="text-sm font-medium">From</legend>
        {providerList.map((p) => (
          <label key={p.id} className="mr-3 inline-flex items-center gap-1 text-sm">
            <input type="checkbox" name="providers" value={p.id} defaultChecked={sources.includes(p.id)} /> {p.name}
          </label>
        ))}
        <label className="inline-flex items-center gap-1 text-sm">
          <input type="checkbox" name="anySource" value="1" defaultChecked={defaults !== undefined && sources.length === 0} /> any source
        </label>
      </fieldset>
    </>
  );
}

export default async function GoalsPage({ searchParams }: { searchParams: Promise<Record<string, string | undefined>> }) {
  const user = await requireUser("/dashboard/settings/goals");
  const params = await searchParams;
  const db = await getDb();
  const configured = Boolean(providerVar("BEEMINDER_CLIENT_ID"));
  let conn = await getBeeminderConnection(db, user.id);
  const links = await goalLinks(db, user.id);
  const zone = await homeZone(db, user.id);

  let goals: BeeminderGoal[] = [];
  let goalsError: string | null = null;
  if (conn?.status === "active") {
    try {
      goals = await getGoals(connectionToken(conn));
    } catch (error) {
      if (error instanceof BeeminderAuthError) {
        await markBeeminderRevoked(db, conn.id, error.message);
        conn = await getBeeminderConnection(db, user.id);
      } else goalsError = "Beeminder's goal list could not be read right now.";
    }
  }
  const linked = new Set(links.map((l) => l.slug));

  return (
    <div className="space-y-8">
      <div className="flex items-baseline gap-4">
        <h1 className="text-2xl font-bold">Goals</h1>
        <Link href="/dashboard/settings" className="text-sm text-brand-dark underline">
          Back to Settings
        </Link>
      </div>
      {params.error ? (
        <p role="alert" className="rounded border border-red-200 bg-red-50 px-4 py-3 text-red-800">
          Beeminder: {params.error}
        </p>
      ) : null}
      {params.connected ? (
        <p role="status" className="rounded border border-green-200 bg-green-50 px-4 py-3 text-green-800">
          Beeminder is connected.
        </p>
      ) : null}
      {params.saved ? (
        <p role="status" className="rounded border border-slate-200 bg-white px-4 py-3">
          {params.saved}
        </p>
      ) : null}

      <section aria-labelledby="beeminder-heading" className="rounded border border-slate-200 bg-white p-4">
        <h2 id="beeminder-heading" className="text-xl font-semibold">
          Beeminder
        </h2>
        {!configured ? (
          <p className="mt-2 text-sm">Not configured on this server: set BEEMINDER_CLIENT_ID (see .env.providers.example).</p>
        ) : !conn ? (
          <p className="mt-2">
            <a href="/api/beeminder/connect" className="rounded bg-brand px-3 py-2 text-white">
              Connect Beeminder
            </a>
          </p>
        ) : (
          <div className="mt-2 space-y-2 text-sm">
            <p>
              Connected as <strong>{conn.username}</strong> (time zone {conn.timezone}).
            </p>
            {conn.status !== "active" ? (
              <p role="alert" className="rounded border border-amber-300 bg-amber-50 px-3 py-2 text-amber-900">
                {conn.lastError ?? "Beeminder no longer accepts Healthbridge's access."} Nothing is lost: what was not sent goes out once you{" "}
                <a href="/api/beeminder/connect" className="underline">
                  connect again
                </a>
                .
              </p>
            ) : conn.retryAt ? (
              <BeeminderOutage error={conn.lastError} retryAt={conn.retryAt} failures={conn.failures} zone={zone} />
            ) : null}
            <form action={disconnectBeeminderAction}>
              <button type="submit" className="underline">
                Disconnect Beeminder
              </button>
            </form>
          </div>
        )}
      </section>

      {conn?.status === "active" ? (
        <section aria-labelledby="link-heading" className="rounded border border-slate-200 bg-white p-4">
          <h2 id="link-heading" className="text-lg font-semibold">
            Link a goal
          </h2>
          {goalsError ? <p role="alert">{goalsError}</p> : null}
          <form action={linkGoalAction} className="mt-2 space-y-2">
            <label className="block text-sm">
              Goal{" "}
              <select name="slug" required>
                {goals
                  .filter((g) => !linked.has(g.slug))
                  .map((g) => (
                    <option key={g.slug} value={g.slug}>
                      {g.title ? `${g.title} (${g.slug})` : g.slug}
                    </option>
                  ))}
              </select>
            </label>
            <label className="block text-sm">
              Send{" "}
              <select name="rule" defaultValue="measurements">
                {RULE_CHOICES.map(([value, label]) => (
                  <option key={value} value={value}>
                    {label}
                  </option>
                ))}
              </select>
            </label>
            <RuleFields />
            <p className="text-xs text-slate-600">
              Types and sources apply to &quot;do more measurements&quot;. Several devices all count; a reading mirrored by a second source (e.g.
              Withings into Apple Health) counts once. Daily values and workouts come from the reconciled record, never a sum of sources.
            </p>
            <label className="block text-sm">
              Also send the last <input type="number" name="backfillDays" min={0} max={90} defaultValue={0} className="w-16" /> days
            </label>
            <button type="submit" className="rounded bg-brand px-3 py-1 text-white">
              Link goal
            </button>
          </form>
        </section>
      ) : null}

      {links.length ? (
        <section aria-labelledby="links-heading">
          <h2 id="links-heading" className="text-lg font-semibold">
            Linked goals
          </h2>
          <ul className="mt-2 grid gap-4 md:grid-cols-2">
            {links.map((l) => {
              const rule = goalRule.safeParse(l.rule);
              return (
                <li key={l.id} className="rounded border border-slate-200 bg-white p-4 text-sm" data-goal={l.slug}>
                  <h3 className="font-semibold">{l.title ? `${l.title} (${l.slug})` : l.slug}</h3>
                  <p>{rule.success ? ruleLabel(rule.data) : "Rule not valid: edit it."}</p>
                  <p>
                    Last datapoint:{" "}
                    {l.lastDatapoint
                      ? `${l.lastDatapoint.value} on ${l.lastDatapoint.daystamp} (sent ${formatTime(l.lastDatapoint.sentAt, null, zone)})`
                      : "none yet"}
                  </p>
                  {conn && conn.status !== "active" ? (
                    <p role="alert" className="text-amber-900">
                      Not sending: Beeminder access was revoked. Connect again to resume.
                    </p>
                  ) : null}
                  {l.lastError ? (
                    <p role="alert" className="text-red-800">
                      {l.lastError}
                    </p>
                  ) : null}
                  <form action={sendNowAction} className="mt-2 flex items-center gap-2">
                    <input type="hidden" name="slug" value={l.slug} />
                    <button type="submit" className="rounded bg-brand px-3 py-1 text-white">
                      Send now
                    </button>
                    <label>
                      the last <input type="number" name="days" min={1} max={90} defaultValue={7} className="w-14" /> days
                    </label>
                    <span className="text-xs text-slate-600">(never before the link or its last rule change; resending is safe)</span>
                  </form>
                  {rule.success && rule.data.kind === "measurements" ? (
                    <details className="mt-2">
                      <summary>Change what counts</summary>
                      <form action={editRuleAction}>
                        <input type="hidden" name="linkId" value={l.id} />
                        <input type="hidden" name="rule" value="measurements" />
                        <RuleFields defaults={{ types: rule.data.types, providers: rule.data.providers }} />
                        <p className="text-xs text-slate-600">
                          A change applies from now on: datapoints already sent stay on Beeminder as they are, and earlier readings are not re-sent
                          under the new types.
                        </p>
                        <button type="submit" className="underline">
                          Save
                        </button>
                      </form>
                    </details>
                  ) : null}
                  <form action={unlinkGoalAction} className="mt-2">
                    <input type="hidden" name="linkId" value={l.id} />
                    <button type="submit" className="underline">
                      Unlink (datapoints on Beeminder stay)
                    </button>
                  </form>
                </li>
              );
            })}
          </ul>
        </section>
      ) : null}
    </div>
  );
}
