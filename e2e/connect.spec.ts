import { expect, test, type Page } from "@playwright/test";
import { signUp } from "./helpers";

// Every OAuth 2.0 provider, through the simulator's consent page, over the real protocol.
// Polar issues long-lived tokens with no refresh flow.
const OAUTH2 = [
  { id: "strava", name: "Strava", refreshes: true },
  { id: "oura", name: "Oura", refreshes: true },
  { id: "whoop", name: "WHOOP", refreshes: true },
  { id: "google_health", name: "Fitbit & Pixel — Google Health", refreshes: true },
  { id: "polar", name: "Polar", refreshes: false },
  { id: "coros", name: "COROS", refreshes: true },
  { id: "withings", name: "Withings", refreshes: true },
] as const;

const card = (page: Page, id: string) => page.locator(`li[data-provider="${id}"]`);
const run = Date.now().toString(36);

async function approve(page: Page, account: string) {
  await expect(page.getByRole("button", { name: "Approve" })).toBeVisible();
  await page.getByLabel("Account").fill(account);
  await page.getByRole("button", { name: "Approve" }).click();
}

const simulatorUrl = `http://127.0.0.1:${process.env.E2E_SIMULATOR_PORT ?? 4015}`;
const refreshCount = async (page: Page, provider: string): Promise<number> => {
  const stats = await (await page.request.get(`${simulatorUrl}/__admin/stats`)).json();
  return stats[provider]?.["token:refresh_token"] ?? 0;
};
const daysAgo = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10);

for (const provider of OAUTH2) {
  const steps = provider.refreshes ? "sync, refresh an expired token" : "sync";
  test(`${provider.name}: connect through its consent page, ${steps}, disconnect`, async ({ page }) => {
    const account = `e2e-${provider.id}-${run}`;
    // A short generated history keeps the first sync quick (the app caps backfill at 120 days in e2e).
    await page.request.post(`${simulatorUrl}/__admin/data/config`, { data: { provider: provider.id, account, from: daysAgo(60) } });

    await signUp(page);
    await page.goto("/dashboard/settings");
    const cardOf = card(page, provider.id);
    await expect(cardOf.getByTestId("provider-state")).toHaveText("Configured: not connected");

    await cardOf.getByRole("link", { name: `Connect ${provider.name}` }).click();
    await approve(page, account);

    await expect(page).toHaveURL(new RegExp(`/dashboard/settings\\?provider=${provider.id}&connected=1`));
    await expect(page.getByRole("status")).toHaveText(`${provider.name} is connected.`);
    await expect(cardOf.getByTestId("provider-state")).toContainText("Connected as");
    // The first sync starts by itself.
    await expect(cardOf.getByTestId("last-run")).toContainText("Last run succeeded", { timeout: 60_000 });

    if (provider.refreshes) {
      // The access token expires at the provider: the next sync refreshes it, exactly once.
      const before = await refreshCount(page, provider.id);
      await page.request.post(`${simulatorUrl}/__admin/tokens/expire`, { data: { provider: provider.id, account } });
      await cardOf.getByRole("button", { name: "Sync now" }).click();
      await expect(cardOf.getByTestId("last-run")).toContainText("Last run succeeded", { timeout: 60_000 });
      await expect.poll(() => refreshCount(page, provider.id)).toBe(before + 1);
      await expect(cardOf.getByTestId("provider-state")).toContainText("Connected as");
    }

    await cardOf.getByRole("button", { name: "Disconnect" }).click();
    await cardOf.getByLabel(`Also delete the data already synced from ${provider.name}`).check();
    await cardOf.getByRole("button", { name: "Confirm disconnect" }).click();
    await expect(page).toHaveURL(new RegExp(`provider=${provider.id}&disconnected=1`));
    await expect(page.getByRole("status")).toContainText(`${provider.name} is disconnected.`);
    await expect(cardOf.getByTestId("provider-state")).toHaveText("Configured: not connected");
  });
}

test("the legacy Fitbit card says it is retired and offers Google Health instead of a Connect button", async ({ page }) => {
  await signUp(page);
  await page.goto("/dashboard/settings");
  const fitbit = card(page, "fitbit");
  await expect(fitbit.getByTestId("retired-notice")).toContainText("Google Health");
  await expect(fitbit.getByRole("link", { name: /^Connect/ })).toHaveCount(0);
  await expect(card(page, "google_health").getByRole("link", { name: "Connect Fitbit & Pixel — Google Health" })).toBeVisible();
});

test("denying consent comes back to settings with the provider's reason and stores nothing", async ({ page }) => {
  await signUp(page);
  await page.goto("/dashboard/settings");
  await card(page, "oura").getByRole("link", { name: "Connect Oura" }).click();
  await page.getByRole("button", { name: "Deny" }).click();
  await expect(page).toHaveURL(/\/dashboard\/settings\?provider=oura&error=/);
  await expect(page.locator('p[role="alert"]')).toContainText("access_denied");
  await expect(card(page, "oura").getByTestId("provider-state")).toHaveText("Configured: not connected");
});

test("a provider account already linked to another user is refused, not moved", async ({ page, browser }) => {
  const account = `e2e-shared-${run}`;
  await signUp(page);
  await page.goto("/dashboard/settings");
  await card(page, "strava").getByRole("link", { name: "Connect Strava" }).click();
  await approve(page, account);
  await expect(page.getByRole("status")).toHaveText("Strava is connected.");

  const other = await browser.newPage();
  await signUp(other);
  await other.goto("/dashboard/settings");
  await card(other, "strava").getByRole("link", { name: "Connect Strava" }).click();
  await approve(other, account);
  await expect(other.locator('p[role="alert"]')).toContainText(/already linked|another/i);
  await expect(card(other, "strava").getByTestId("provider-state")).toHaveText("Configured: not connected");

  await page.reload();
  await expect(card(page, "strava").getByTestId("provider-state")).toContainText("Connected as");
  await other.close();
});

test("a forged OAuth state gets a 400 page and stores nothing", async ({ page }) => {
  await signUp(page);
  const response = await page.goto("/api/oauth/callback?code=abc&state=forged-state");
  expect(response?.status()).toBe(400);
  await page.goto("/dashboard/settings");
  for (const provider of OAUTH2) {
    await expect(card(page, provider.id).getByTestId("provider-state")).toHaveText("Configured: not connected");
  }
});

test("connecting while signed out goes through sign-in and back", async ({ page }) => {
  await page.goto("/api/oauth/connect?provider=strava");
  await expect(page).toHaveURL(/\/signin\?callbackUrl=/);
});
