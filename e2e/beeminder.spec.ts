import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { signUp } from "./helpers";

/**
 * Beeminder fed by what was measured, against the simulator over HTTP: Withings and Garmin connected
 * through their consent pages, an iPhone + Apple Watch bridge, Beeminder through its app flow. The
 * simulator's Beeminder user is in America/New_York with a midnight goal (`weighin`), a 3 am one
 * (`nightowl`) and a steps goal; what it holds is read back through its own API.
 */

const simulatorUrl = `http://127.0.0.1:${process.env.E2E_SIMULATOR_PORT ?? 4015}`;
const run = Date.now().toString(36);
const BEE_ZONE = "America/New_York";
// Notices, syncs and the push pass (started at most every 10 s) on a loaded 2-core box.
const LANDS = { timeout: 90_000, intervals: [1_000, 2_000, 3_000] };

const card = (page: Page, id: string) => page.locator(`li[data-provider="${id}"]`);
const goalCard = (page: Page, slug: string) => page.locator(`li[data-goal="${slug}"]`);

async function admin(request: APIRequestContext, path: string, body?: unknown) {
  const res = body === undefined ? await request.get(`${simulatorUrl}${path}`) : await request.post(`${simulatorUrl}${path}`, { data: body });
  expect(res.ok(), `${path}: ${res.status()} ${await res.text()}`).toBe(true);
  return res.json();
}

type Datapoint = { daystamp: string; value: number; comment: string; requestid: string | null };

/** What the simulated Beeminder holds for a goal, through its API with the account's live token. */
async function datapoints(request: APIRequestContext, account: string, slug: string): Promise<Datapoint[]> {
  const { connections } = await admin(request, `/__admin/connections?provider=beeminder&account=${account}`);
  const live = (connections as Array<{ status: string; accessToken: string | null; createdAt: string }>)
    .filter((c) => c.status === "active" && c.accessToken)
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt))[0];
  if (!live) return [];
  const res = await request.get(`${simulatorUrl}/www.beeminder.com/api/v1/users/me/goals/${slug}/datapoints.json?access_token=${live.accessToken}`);
  expect(res.status()).toBe(200);
  return res.json();
}
const daystamps = async (request: APIRequestContext, account: string, slug: string) =>
  (await datapoints(request, account, slug)).map((p) => p.daystamp).sort();

/** "YYYYMMDD" of an instant in a zone. */
function ymd(instant: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).formatToParts(instant);
  const get = (t: string) => parts.find((p) => p.type === t)!.value;
  return `${get("year")}${get("month")}${get("day")}`;
}
const previousDay = (d: string) => {
  const t = new Date(Date.UTC(+d.slice(0, 4), +d.slice(4, 6) - 1, +d.slice(6, 8)) - 86_400_000);
  return t.toISOString().slice(0, 10).replaceAll("-", "");
};

/** The latest 00:30 in `timeZone` that is at least a minute past (the zone's offset found by probing). */
function lastHalfPastMidnight(timeZone: string, now = Date.now()): Date {
  for (let back = 0; back < 3; back++) {
    const day = ymd(new Date(now - back * 86_400_000), timeZone);
    const naive = Date.UTC(+day.slice(0, 4), +day.slice(4, 6) - 1, +day.slice(6, 8), 0, 30);
    // The zone's wall clock at `naive`, read back as UTC, gives its offset there.
    const wall = new Intl.DateTimeFormat("en-US", { timeZone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" })
      .formatToParts(naive)
      .reduce<Record<string, string>>((o, p) => ({ ...o, [p.type]: p.value }), {});
    const asUtc = Date.UTC(+wall.year, +wall.month - 1, +wall.day, +wall.hour, +wall.minute);
    const instant = naive - (asUtc - naive);
    if (instant <= now - 60_000) return new Date(instant);
  }
  throw new Error("no 00:30 in the last three days");
}

/** Steps of Garmin's daily summary for a date, as pushed to the app (and answered 200). */
async function garminDailySteps(request: APIRequestContext, date: string): Promise<number | null> {
  const { deliveries } = await admin(request, "/__admin/webhooks/deliveries?provider=garmin");
  const dailies = (deliveries as Array<{ status: number | null; requestBody: string }>)
    .filter((d) => d.status === 200 && d.requestBody.includes('"dailies"'))
    .flatMap((d) => JSON.parse(d.requestBody).dailies as Array<{ calendarDate: string; steps: number }>);
  return dailies.find((x) => x.calendarDate === date)?.steps ?? null;
}

async function approveProvider(page: Page, account: string) {
  await expect(page.getByRole("button", { name: "Approve" })).toBeVisible();
  await page.getByLabel("Account").fill(account);
  await page.getByRole("button", { name: "Approve" }).click();
}

async function authorizeBeeminder(page: Page, account: string) {
  await expect(page.getByRole("button", { name: "Authorize" })).toBeVisible();
  await page.getByLabel("Account").fill(account);
  await page.getByRole("button", { name: "Authorize" }).click();
  await expect(page.getByRole("status")).toHaveText("Beeminder is connected.");
}

async function linkGoal(page: Page, slug: string, rule: string) {
  const form = page.getByRole("region", { name: "Link a goal" });
  await form.getByRole("combobox", { name: /^Goal/ }).selectOption(slug);
  await form.getByRole("combobox", { name: /^Send/ }).selectOption(rule);
  // The simulator places nothing recent at Withings: a small backfill covers the 00:30 weigh-in.
  await form.getByRole("spinbutton", { name: /Also send the last/ }).fill("2");
  await form.getByRole("button", { name: "Link goal" }).click();
  await expect(page.getByRole("status")).toContainText(`Linked ${slug}.`);
}

/** The Withings card's last run, read after a reload (the page renders it on the server). */
async function withingsLastRun(page: Page, expected: RegExp) {
  await expect(async () => {
    await page.goto("/dashboard/settings");
    await expect(card(page, "withings").getByTestId("last-run")).toContainText(expected, { timeout: 1_000 });
  }).toPass({ timeout: 90_000, intervals: [1_000, 2_000, 3_000] });
}

test("Beeminder goals are fed exactly once from Withings notices, the bridge and Garmin, and nothing is lost across a revoked token", async ({ page, request }) => {
  test.setTimeout(480_000);
  const withings = `e2e-bm-withings-${run}`;
  const garmin = `e2e-bm-garmin-${run}`;
  const bee = `bee_${run}`;
  // No recent Withings history: the only weigh-ins are the ones this test adds.
  await admin(request, "/__admin/data/config", { provider: "withings", account: withings, from: "2021-01-01", to: "2021-01-03", timezone: BEE_ZONE });

  await signUp(page);

  // (1) Withings and Garmin through their consent pages, an API key for the phone bridge.
  await page.goto("/dashboard/settings");
  await card(page, "withings").getByRole("link", { name: "Connect Withings" }).click();
  await approveProvider(page, withings);
  await expect(page.getByRole("status")).toHaveText("Withings is connected.");
  await expect(card(page, "withings").getByTestId("last-run")).toContainText("Last run succeeded", { timeout: 90_000 });
  await card(page, "garmin").getByRole("link", { name: "Connect Garmin" }).click();
  await approveProvider(page, garmin);
  await expect(page.getByRole("status")).toHaveText("Garmin is connected.");
  const phoneApps = page.getByRole("region", { name: "Phone apps" });
  await phoneApps.getByLabel("Key name").fill("iPhone");
  await phoneApps.getByRole("button", { name: "Create key" }).click();
  await expect(phoneApps.getByLabel("New API key")).toHaveValue(/^hb_/);
  const key = await phoneApps.getByLabel("New API key").inputValue();

  // Beeminder through its app flow, then the goals: weigh-ins (midnight and 3 am deadlines) and steps.
  await page.getByRole("link", { name: "Goals (Beeminder)" }).click();
  await page.getByRole("link", { name: "Connect Beeminder" }).click();
  await authorizeBeeminder(page, bee);
  await expect(page.getByText(`Connected as ${bee}`)).toBeVisible();
  await linkGoal(page, "weighin", "measurements");
  await linkGoal(page, "nightowl", "measurements");
  await linkGoal(page, "steps", "activity:steps");
  await expect(goalCard(page, "weighin")).toContainText("Each measurement of weight from withings");
  await expect(goalCard(page, "steps")).toContainText("Steps per day");

  // (2)+(3) A weigh-in at 00:30 in the Beeminder user's zone, announced by Withings' notice: one
  // datapoint on that day for the midnight goal, on the previous day for the 3 am goal.
  const first = lastHalfPastMidnight(BEE_ZONE);
  const day = ymd(first, BEE_ZONE);
  await admin(request, "/__admin/data/mutations", { op: "add", provider: "withings", account: withings, resource: "measures", at: first.toISOString() });
  await expect.poll(() => daystamps(request, bee, "weighin"), LANDS).toEqual([day]);
  await expect.poll(() => daystamps(request, bee, "nightowl"), LANDS).toEqual([previousDay(day)]);
  const [point] = await datapoints(request, bee, "weighin");
  expect(point.value).toBe(1);
  expect(point.comment).toMatch(/weight .* · Withings/);
  await withingsLastRun(page, /succeeded: \d+ fetched, [1-9]\d* new/);

  // The same notice twice: synced again (nothing new), and still one datapoint per goal, even after a forced resend.
  const notice = { provider: "withings", account: withings, appli: 1, startdate: Math.floor(first.getTime() / 1000) - 600, enddate: Math.floor(first.getTime() / 1000) + 600 };
  for (let i = 0; i < 2; i++) {
    const { deliveries } = await admin(request, "/__admin/webhooks/deliver", notice);
    expect(deliveries.map((d: { status: number }) => d.status)).toEqual([200]);
  }
  await withingsLastRun(page, /succeeded: 1 fetched, 0 new, 0 updated/);
  await page.goto("/dashboard/settings/goals");
  const duplicatesBefore = (await admin(request, "/__admin/stats")).beeminder?.["datapoint:duplicate"] ?? 0;
  await goalCard(page, "weighin").getByRole("button", { name: "Send now" }).click();
  await expect(page.getByRole("status")).toHaveText("weighin: 1 datapoint(s) sent or confirmed.");
  expect((await admin(request, "/__admin/stats")).beeminder?.["datapoint:duplicate"]).toBe(duplicatesBefore + 1);
  expect(await daystamps(request, bee, "weighin")).toEqual([day]);
  expect(await daystamps(request, bee, "nightowl")).toEqual([previousDay(day)]);
  await expect(goalCard(page, "weighin")).toContainText(`Last datapoint: 1 on ${day}`);

  // (4) Steps of yesterday (UTC) from Garmin's daily summary (its backfill push after connecting),
  // and from the bridge: Apple Watch 12:00–12:09 (600) and iPhone 12:05–12:14 (300).
  const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
  await expect.poll(() => garminDailySteps(request, yesterday), LANDS).not.toBeNull();
  const garminSteps = (await garminDailySteps(request, yesterday))!;
  expect(garminSteps).toBeGreaterThan(0);
  const minute = (m: number) => `${yesterday} 12:${String(m).padStart(2, "0")}:00 +0000`;
  const steps = [
    ...Array.from({ length: 10 }, (_, i) => ({ date: minute(i), qty: 60, source: "Apple Watch" })),
    ...Array.from({ length: 10 }, (_, i) => ({ date: minute(5 + i), qty: 30, source: "iPhone" })),
  ];
  const ingest = await page.request.post("/api/webhooks/ingest", {
    headers: { "X-API-Key": key, "Content-Type": "application/json" },
    data: JSON.stringify({ data: { metrics: [{ name: "step_count", units: "count", data: steps }] } }),
  });
  expect(ingest.status(), await ingest.text()).toBe(200);
  // Garmin's whole-day total ranks first for steps: it is the day's value on its own, the watch's and
  // the phone's minutes are left out (a day total cannot be split by time) — never a sum of the three.
  const yesterdayStamp = yesterday.replaceAll("-", "");
  await expect
    .poll(async () => (await datapoints(request, bee, "steps")).filter((p) => p.daystamp === yesterdayStamp).map((p) => p.value), LANDS)
    .toEqual([garminSteps]);
  await goalCard(page, "steps").getByRole("button", { name: "Send now" }).click();
  await expect(page.getByRole("status")).toContainText("steps:");
  const stepPoints = (await datapoints(request, bee, "steps")).filter((p) => p.daystamp === yesterdayStamp);
  expect(stepPoints.map((p) => p.value)).toEqual([garminSteps]);
  expect(stepPoints[0].value).not.toBe(garminSteps + 900);
  expect(stepPoints[0].comment).toContain("Garmin");
  expect(stepPoints[0].comment).not.toContain("Apple Health");

  // (5) Beeminder access revoked; a weigh-in arrives meanwhile. The goal card says so; after
  // reconnecting, that weigh-in is sent and the first one is not duplicated.
  const userCalls = async () => (await admin(request, "/__admin/stats")).beeminder?.user ?? 0;
  const callsBefore = await userCalls();
  await admin(request, "/__admin/tokens/revoke", { provider: "beeminder", account: bee });
  const second = new Date(Math.floor((Date.now() - 5 * 60_000) / 1000) * 1000);
  await admin(request, "/__admin/data/mutations", { op: "add", provider: "withings", account: withings, resource: "measures", at: second.toISOString() });
  await withingsLastRun(page, /succeeded: \d+ fetched, [1-9]\d* new/);
  // The pass that this weigh-in starts is the one refused (401 on users/me), before the goals page is opened.
  await expect.poll(userCalls, LANDS).toBeGreaterThan(callsBefore);
  await expect(async () => {
    await page.goto("/dashboard/settings/goals");
    await expect(goalCard(page, "weighin")).toContainText("Not sending: Beeminder access was revoked.", { timeout: 1_000 });
  }).toPass({ timeout: 90_000, intervals: [1_000, 2_000, 3_000] });
  await expect(page.getByRole("alert").filter({ hasText: "no longer accepts" })).toBeVisible();

  await page.getByRole("link", { name: "connect again" }).click();
  await authorizeBeeminder(page, bee);
  const expected = [day, ymd(second, BEE_ZONE)].sort();
  await expect.poll(() => daystamps(request, bee, "weighin"), LANDS).toEqual(expected);
  await expect.poll(() => daystamps(request, bee, "nightowl"), LANDS).toHaveLength(2);
  await page.goto("/dashboard/settings/goals");
  await expect(goalCard(page, "weighin")).not.toContainText("Not sending");
});
