import { expect, test, type Page } from "@playwright/test";
import { admin, card, secondAppUrl, signUp } from "./helpers";

// Fitbit and Pixel Watch data through the Google Health API v4, against the simulator's Google:
// its consent page (granular: every scope can be unticked), a three-year backfill, and a signed
// notice (ECDSA, the simulator's own published keyset) that triggers a narrow sync.

const NAME = "Fitbit & Pixel — Google Health";
const run = Date.now().toString(36);
const daysAgo = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10);
const SLEEP_SCOPE = /googlehealth\.sleep\.readonly$/;

type Point = { exercise: { displayName: string; interval: { civilStartTime: { date: { year: number; month: number; day: number } } }; metricsSummary: { distanceMillimeters?: number } } };
const localDay = (p: Point) => {
  const d = p.exercise.interval.civilStartTime.date;
  return `${d.year}-${String(d.month).padStart(2, "0")}-${String(d.day).padStart(2, "0")}`;
};

/**
 * Starts the connection from the card (or, connected, from its Reconnect link) and approves on
 * Google's consent page, unticking `untick`.
 */
async function connect(page: Page, account: string, untick: RegExp[] = [], again = false) {
  await card(page, "google_health").getByRole("link", { name: `${again ? "Reconnect" : "Connect"} ${NAME}` }).click();
  await expect(page).toHaveURL(/accounts\.google\.com\/o\/oauth2\/v2\/auth/);
  await page.getByLabel("Account").fill(account);
  for (const scope of untick) await page.getByRole("checkbox", { name: scope }).uncheck();
  await page.getByRole("button", { name: "Approve" }).click();
  await expect(page.getByRole("status")).toHaveText(`${NAME} is connected.`);
}

const history = (page: Page) => page.getByRole("region", { name: "History" });
const lastRun = (page: Page) => card(page, "google_health").getByTestId("last-run");
const fetchedIn = async (page: Page) => Number(/(\d+) fetched/.exec((await lastRun(page).textContent()) ?? "")?.[1]);

test("a partial grant (sleep unticked on Google's consent page) is shown on the card and sleep is not read; reconnecting grants it", async ({ page, request }) => {
  const account = `e2e-gh-partial-${run}`;
  await admin(request, "/__admin/data/config", { provider: "google_health", account, from: daysAgo(20) });
  await signUp(page);
  await page.goto("/dashboard/settings");
  await connect(page, account, [SLEEP_SCOPE]);

  const gh = card(page, "google_health");
  await expect(gh.getByTestId("provider-state")).toContainText("Connected as");
  await expect(gh.getByTestId("connection-notice")).toHaveText("Not granted on Google's consent page, so not synced: sleep. Reconnect to grant them.");
  await expect(lastRun(page)).toContainText("Last run succeeded", { timeout: 90_000 });

  // The simulator has a night for every one of those days; none came in, the workouts did.
  const nights = await admin(request, `/__admin/data/records?provider=google_health&account=${account}&resource=sleep&from=${daysAgo(6)}`);
  expect(nights.count).toBeGreaterThan(0);
  await page.goto("/dashboard/sleep?range=7d");
  await expect(page.getByRole("heading", { name: "Nights (0)" })).toBeVisible();
  await page.goto("/dashboard/activities");
  await expect(history(page).getByRole("listitem").first()).toContainText(NAME);

  // Reconnecting from the card with every box ticked clears the notice (and the link) and the next sync reads the nights.
  await page.goto("/dashboard/settings");
  await connect(page, account, [], true);
  await expect(gh.getByTestId("connection-notice")).toHaveCount(0);
  await expect(gh.getByRole("link", { name: `Reconnect ${NAME}` })).toHaveCount(0);
  await expect(lastRun(page)).toContainText("Last run succeeded", { timeout: 90_000 });
  await expect(async () => {
    await page.goto("/dashboard/sleep?range=7d");
    await expect(page.getByRole("heading", { name: /^Nights \([1-9]\d*\)$/ })).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout: 60_000 });
});

test("a three-year backfill completes and its oldest and newest workouts show", async ({ page, request }) => {
  test.setTimeout(600_000);
  // The second instance reaches back three years (playwright.config.ts); the main one 120 days.
  const account = `e2e-gh-3y-${run}`;
  const { config } = await admin(request, "/__admin/data/config", { provider: "google_health", account, years: 3 });
  const { records } = (await admin(request, `/__admin/data/records?provider=google_health&account=${account}&resource=exercise`)) as { records: Point[] };
  const days = records.map(localDay).sort();
  const [oldest, newest] = [days[0], days[days.length - 1]];
  // Really three years of history at Google, far past the main instance's 120 days.
  expect(Date.parse(newest) - Date.parse(oldest)).toBeGreaterThan(3 * 365 * 86_400_000 - 30 * 86_400_000);
  expect(oldest >= config.from).toBe(true);

  await signUp(page, undefined, secondAppUrl);
  await page.goto(`${secondAppUrl}/dashboard/settings`);
  await connect(page, account);
  await expect(lastRun(page)).toContainText("Last run succeeded", { timeout: 540_000 });
  // Every record Google holds for the account was fetched at least once.
  let total = 0;
  for (const resource of ["exercise", "sleep", "steps", "heart_rate", "daily_resting_heart_rate"]) {
    total += (await admin(request, `/__admin/data/records?provider=google_health&account=${account}&resource=${resource}`)).count;
  }
  expect(await fetchedIn(page)).toBeGreaterThanOrEqual(total);

  for (const day of [oldest, newest]) {
    const expected = records.filter((p) => localDay(p) === day);
    await page.goto(`${secondAppUrl}/dashboard/activities?from=${day}&to=${day}`);
    const rows = history(page).getByRole("listitem");
    await expect(rows).toHaveCount(expected.length);
    for (const p of expected) await expect(rows.filter({ hasText: p.exercise.displayName }).first()).toContainText(NAME);
  }
});

test("a signed notice from Google triggers a narrow sync and the new workout appears", async ({ page, request }) => {
  const account = `e2e-gh-webhook-${run}`;
  await admin(request, "/__admin/data/config", { provider: "google_health", account, from: daysAgo(20) });
  await signUp(page);
  await page.goto("/dashboard/settings");
  await connect(page, account);
  await expect(lastRun(page)).toContainText("Last run succeeded", { timeout: 90_000 });
  const fullSync = await fetchedIn(page);

  // A workout recorded an hour ago: the simulator sends Google's notice for it (exercise, UPSERT,
  // its day's interval), signed with its current ECDSA key; the app checks it against the
  // keyset the simulator publishes at Google's URL.
  const { mutation } = await admin(request, "/__admin/data/mutations", {
    op: "add",
    provider: "google_health",
    account,
    resource: "exercise",
    at: new Date(Date.now() - 3_600_000).toISOString(),
  });
  const added = mutation.record as Point;
  await admin(request, "/__admin/webhooks/settle", {});
  const { deliveries } = await admin(request, "/__admin/webhooks/deliveries?provider=google_health&kind=notice");
  const notice = deliveries.filter((d: { requestBody: string }) => d.requestBody.includes(`"dataType":"exercise"`)).at(-1);
  expect(notice?.requestHeaders["x-healthapi-signature"]).toBeTruthy();
  expect(notice?.status, JSON.stringify(notice)).toBeGreaterThanOrEqual(200);
  expect(notice.status).toBeLessThan(300);

  // The notice's run re-reads workouts around that day only: a handful of records, not the
  // full delta (which re-reads days of hourly heart rate and every daily type).
  await page.goto("/dashboard");
  const newestRow = page.getByRole("region", { name: "Recent activities" }).getByRole("listitem").first();
  await expect(async () => {
    await page.reload();
    await expect(newestRow).toContainText(added.exercise.displayName, { timeout: 1_000 });
    if (added.exercise.metricsSummary.distanceMillimeters != null) {
      await expect(newestRow).toContainText((added.exercise.metricsSummary.distanceMillimeters / 1_000_000).toFixed(2), { timeout: 1_000 });
    }
  }).toPass({ timeout: 60_000 });
  await page.goto("/dashboard/settings");
  const narrow = await fetchedIn(page);
  expect(narrow).toBeGreaterThanOrEqual(1);
  expect(narrow).toBeLessThan(24); // one day of the simulator's hourly heart-rate samples
  expect(narrow).toBeLessThan(fullSync);
});
