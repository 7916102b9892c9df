import { expect, test } from "@playwright/test";
import { admin, card, signUp } from "./helpers";

const run = Date.now().toString(36);

test("Sync now refreshes an expired token, shows progress, and the records appear on the dashboard", async ({ page, request }) => {
  const account = `e2e-sync-${run}`;
  // One year of generated Strava history for this account keeps the run short but real.
  await admin(request, "/__admin/data/config", { provider: "strava", account, years: 1 });

  await signUp(page);
  await page.goto("/dashboard/settings");
  const strava = card(page, "strava");
  await strava.getByRole("link", { name: "Connect Strava" }).click();
  await page.getByLabel("Account").fill(account);
  await page.getByRole("button", { name: "Approve" }).click();
  await expect(page.getByRole("status")).toHaveText("Strava is connected.");

  // A sync starts by itself after connecting; let it finish before the manual one.
  await expect(strava.getByTestId("last-run")).toContainText("Last run succeeded", { timeout: 60_000 });

  // The access token expires at Strava; the next sync must refresh it exactly once.
  const before = (await admin(request, "/__admin/stats")).strava?.["token:refresh_token"] ?? 0;
  await admin(request, "/__admin/tokens/expire", { provider: "strava", account });
  // Slow the first page down so the progress is visible (the stalled request is retried).
  await admin(request, "/__admin/faults", { provider: "strava", pathPrefix: "/api/v3/athlete/activities", kind: "timeout", delayMs: 2500, count: 1 });
  await admin(request, "/__admin/data/mutations", { op: "add", provider: "strava", account, resource: "activities" });

  await strava.getByRole("button", { name: "Sync now" }).click();
  await expect(strava.getByTestId("sync-progress")).toContainText(/Sync (queued|running)/);
  await expect(strava.getByTestId("last-run")).toContainText("Last run succeeded", { timeout: 60_000 });
  const after = (await admin(request, "/__admin/stats")).strava?.["token:refresh_token"] ?? 0;
  expect(after).toBe(before + 1);
  await expect(strava.getByTestId("provider-state")).toContainText("Connected as");

  // The dashboard lists the newest activity first — the one just added at Strava (it may also have
  // arrived through Strava's webhook notice, which the simulator sends on every change).
  const { records } = await admin(request, `/__admin/data/records?provider=strava&account=${account}&resource=activities`);
  const newest = [...records].sort((a: { start_date: string }, b: { start_date: string }) => b.start_date.localeCompare(a.start_date))[0];
  await page.goto("/dashboard");
  const firstRow = page.getByRole("region", { name: "Recent activities" }).getByRole("listitem").first();
  await expect(firstRow).toContainText(newest.name);
  await expect(firstRow).toContainText((newest.distance / 1000).toFixed(2));
  await expect(firstRow).toContainText("Strava");
});

test("a revoked grant turns the card into a re-authorization request", async ({ page, request }) => {
  const account = `e2e-revoked-${run}`;
  await admin(request, "/__admin/data/config", { provider: "oura", account, years: 1 });
  await signUp(page);
  await page.goto("/dashboard/settings");
  const oura = card(page, "oura");
  await oura.getByRole("link", { name: "Connect Oura" }).click();
  await page.getByLabel("Account").fill(account);
  await page.getByRole("button", { name: "Approve" }).click();
  await expect(oura.getByTestId("last-run")).toContainText("Last run", { timeout: 60_000 });

  await admin(request, "/__admin/tokens/revoke", { provider: "oura", account });
  await admin(request, "/__admin/tokens/expire", { provider: "oura", account });
  await oura.getByRole("button", { name: "Sync now" }).click();
  await expect(oura.getByTestId("provider-state")).toContainText("Needs re-authorization", { timeout: 60_000 });
  await expect(oura.getByRole("link", { name: "Reconnect Oura" })).toBeVisible();
});
