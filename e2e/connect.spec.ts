import { expect, test, type Page } from "@playwright/test";
import { signUp } from "./helpers";

// Every OAuth 2.0 provider, through the simulator's consent page, over the real protocol.
const OAUTH2 = [
  { id: "strava", name: "Strava" },
  { id: "oura", name: "Oura" },
  { id: "whoop", name: "WHOOP" },
  { id: "fitbit", name: "Fitbit" },
  { id: "polar", name: "Polar" },
  { id: "coros", name: "COROS" },
  { id: "withings", name: "Withings" },
] as const;

const card = (page: Page, id: string) => page.locator(`li[data-provider="${id}"]`);
const run = Date.now().toString(36);

async function approve(page: Page, account: string) {
  await expect(page.getByRole("button", { name: "Approve" })).toBeVisible();
  await page.getByLabel("Account").fill(account);
  await page.getByRole("button", { name: "Approve" }).click();
}

for (const provider of OAUTH2) {
  test(`connect ${provider.name} through its consent page, then disconnect`, async ({ page }) => {
    await signUp(page);
    await page.goto("/dashboard/settings");
    await expect(card(page, provider.id).getByTestId("provider-state")).toHaveText("Configured: not connected");

    await card(page, provider.id).getByRole("link", { name: `Connect ${provider.name}` }).click();
    await approve(page, `e2e-${provider.id}-${run}`);

    await expect(page).toHaveURL(new RegExp(`/dashboard/settings\\?provider=${provider.id}&connected=1`));
    await expect(page.getByRole("status")).toHaveText(`${provider.name} is connected.`);
    await expect(card(page, provider.id).getByTestId("provider-state")).toContainText("Connected as");

    await card(page, provider.id).getByRole("button", { name: "Disconnect" }).click();
    await card(page, provider.id).getByLabel(`Also delete the data already synced from ${provider.name}`).check();
    await card(page, provider.id).getByRole("button", { name: "Confirm disconnect" }).click();
    await expect(page).toHaveURL(new RegExp(`provider=${provider.id}&disconnected=1`));
    await expect(page.getByRole("status")).toContainText(`${provider.name} is disconnected.`);
    await expect(card(page, provider.id).getByTestId("provider-state")).toHaveText("Configured: not connected");
  });
}

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
