import { expect, test, type Page } from "@playwright/test";
import postgres from "postgres";
import { legacyFitbitUserId } from "./simulator/providers/google_health/oauth";
import { signUp } from "./helpers";

// A connection made through the legacy Fitbit Web API before Google switched it off (2026-11-02)
// can no longer be made, so the spec writes one into the database as the old app left it.
test.skip(!process.env.E2E_DATABASE_URL, "seeds the legacy connection through PostgreSQL (npm test runs e2e on it when DATABASE_URL is set)");

const simulatorUrl = `http://127.0.0.1:${process.env.E2E_SIMULATOR_PORT ?? 4015}`;
const card = (page: Page, id: string) => page.locator(`li[data-provider="${id}"]`);
const daysAgo = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10);
/** A day the Google Health backfill (120 days in e2e) does not reach: only the old connection has it. */
const LEGACY_DAY = "2024-03-01";
const LEGACY_STEPS = 12_345;

let sql: postgres.Sql;
test.beforeAll(() => {
  sql = postgres(process.env.E2E_DATABASE_URL!, { max: 2, onnotice: () => {} });
});
test.afterAll(async () => {
  await sql?.end({ timeout: 5 });
});

async function seedLegacyFitbit(email: string, fitbitUserId: string): Promise<string> {
  const [user] = await sql<{ id: string }[]>`SELECT id FROM "user" WHERE email = ${email}`;
  // The old app's tokens are worthless now (Fitbit tokens do not carry over), so none are stored.
  await sql`INSERT INTO provider_connection (user_id, provider, auth_kind, provider_user_id, display_name, status, scopes, connected_at)
            VALUES (${user.id}, 'fitbit', 'oauth2', ${fitbitUserId}, 'Alex S.', 'active', ${sql.array(["activity", "sleep"])}, '2023-05-01T00:00:00Z')`;
  await sql`INSERT INTO daily_summary (user_id, provider, date, steps) VALUES (${user.id}, 'fitbit', ${LEGACY_DAY}, ${LEGACY_STEPS})`;
  await sql`INSERT INTO reconcile_dirty (user_id, date) VALUES (${user.id}, ${LEGACY_DAY})`;
  return user.id;
}

async function legacySteps(page: Page) {
  const res = await page.request.get(`/api/daily?from=${LEGACY_DAY}&to=${LEGACY_DAY}&metric=steps`);
  expect(res.status()).toBe(200);
  const [day] = (await res.json()).days;
  return { value: day?.metrics.steps?.value, providers: day?.metrics.steps?.sources.map((s: { provider: string }) => s.provider) };
}

test("a legacy Fitbit connection shows the switch-off, reconnects through Google in one click, and keeps its data", async ({ page }) => {
  const account = `e2e-legacy-fitbit-${Date.now().toString(36)}`;
  await page.request.post(`${simulatorUrl}/__admin/data/config`, { data: { provider: "google_health", account, from: daysAgo(60) } });
  const email = await signUp(page);
  // The same person: Google's identity call names this old Fitbit id as the account's legacyUserId.
  const userId = await seedLegacyFitbit(email, legacyFitbitUserId(account));

  await page.goto("/dashboard/settings");
  const fitbit = card(page, "fitbit");
  await expect(fitbit.getByTestId("provider-state")).toHaveText("Old connection as Alex S. since 2023-05-01: no longer syncing");
  const notice = fitbit.getByTestId("retired-notice");
  await expect(notice).toContainText("Fitbit's old Web API was switched off on 2026-11-02.");
  await expect(notice).toContainText("What was synced here stays.");
  await expect(fitbit.getByRole("button", { name: "Sync now" })).toHaveCount(0);
  expect(await legacySteps(page)).toEqual({ value: LEGACY_STEPS, providers: ["fitbit"] });

  // One click: straight to Google's consent page (the unified connect route), no detour.
  await notice.getByRole("link", { name: "Reconnect through Google" }).click();
  await expect(page).toHaveURL(/\/accounts\.google\.com\/o\/oauth2\/v2\/auth\?/);
  await page.getByLabel("Account").fill(account);
  await page.getByRole("button", { name: "Approve" }).click();

  await expect(page).toHaveURL(/\/dashboard\/settings\?provider=google_health&connected=1/);
  await expect(page.getByRole("status")).toHaveText("Fitbit & Pixel — Google Health is connected.");
  const google = card(page, "google_health");
  await expect(google.getByTestId("provider-state")).toContainText("Connected");
  await expect(google.getByTestId("last-run")).toContainText("Last run succeeded", { timeout: 60_000 });

  // The legacy card now says where the data comes from; the old connection and its data stay.
  await expect(notice).toHaveText(
    "Fitbit's old Web API was switched off on 2026-11-02. Your Fitbit data now comes through Fitbit & Pixel — Google Health; what this old connection synced stays here.",
  );
  await expect(fitbit.getByRole("link", { name: "Reconnect through Google" })).toHaveCount(0);
  await expect(fitbit.getByTestId("provider-state")).toContainText("Old connection as Alex S.");
  expect(await legacySteps(page)).toEqual({ value: LEGACY_STEPS, providers: ["fitbit"] });
  const rows = await sql<{ provider: string; legacy: string | null }[]>`
    SELECT provider, meta->>'legacyFitbitUserId' AS legacy FROM provider_connection WHERE user_id = ${userId} ORDER BY provider`;
  expect(rows).toEqual([
    { provider: "fitbit", legacy: null },
    { provider: "google_health", legacy: legacyFitbitUserId(account) },
  ]);

  // Disconnecting the old connection keeps its data and says plainly why nothing was revoked.
  await fitbit.getByRole("button", { name: "Disconnect" }).click();
  await expect(fitbit.getByRole("group", { name: "Confirm disconnecting Fitbit" })).toContainText("nothing can be revoked there");
  await fitbit.getByRole("button", { name: "Confirm disconnect" }).click();
  await expect(page).toHaveURL(/provider=fitbit&disconnected=1/);
  await expect(page.getByRole("status")).toHaveText(
    "Fitbit is disconnected. Fitbit's old Web API was switched off on 2026-11-02. There is nothing left to revoke there; the stored tokens are deleted.",
  );
  await expect(fitbit.getByTestId("provider-state")).toHaveText("Retired: takes no new connections");
  expect(await legacySteps(page)).toEqual({ value: LEGACY_STEPS, providers: ["fitbit"] });
});
