import { expect, test, type Page } from "@playwright/test";
import { DEMO_EIGHTSLEEP_PASSWORD, DEMO_HEVY_API_KEYS } from "./simulator/clients";
import { card, secondAppUrl as oauth1AppUrl, signUp } from "./helpers";

const run = Date.now().toString(36);

async function approve(page: Page, account: string) {
  await page.getByLabel("Account").fill(account);
  await page.getByRole("button", { name: "Approve" }).click();
}

async function disconnect(page: Page, id: string, name: string) {
  await card(page, id).getByRole("button", { name: "Disconnect" }).click();
  await card(page, id).getByRole("button", { name: "Confirm disconnect" }).click();
  await expect(page.getByRole("status")).toContainText(`${name} is disconnected.`);
  await expect(card(page, id).getByTestId("provider-state")).toHaveText("Configured: not connected");
}

test("Garmin connects over OAuth 2.0 (PKCE) when its client credentials are set, and disconnects", async ({ page }) => {
  await signUp(page);
  await page.goto("/dashboard/settings");
  await card(page, "garmin").getByRole("link", { name: "Connect Garmin" }).click();
  await expect(page).toHaveURL(/connect\.garmin\.com\/oauth2Confirm/);
  await approve(page, `e2e-garmin2-${run}`);
  await expect(page.getByRole("status")).toHaveText("Garmin is connected.");
  await expect(card(page, "garmin").getByTestId("provider-state")).toContainText("Connected as");
  await expect(card(page, "garmin").getByRole("button", { name: /Migrate/ })).toHaveCount(0);
  await disconnect(page, "garmin", "Garmin");
});

test("Garmin connects over OAuth 1.0a when only the consumer key is set, and disconnects", async ({ page }) => {
  await signUp(page, undefined, oauth1AppUrl);
  await page.goto(`${oauth1AppUrl}/dashboard/settings`);
  await card(page, "garmin").getByRole("link", { name: "Connect Garmin" }).click();
  await expect(page).toHaveURL(/connect\.garmin\.com\/oauthConfirm\?oauth_token=/);
  await approve(page, `e2e-garmin1-${run}`);
  await expect(page).toHaveURL(new RegExp(`^${oauth1AppUrl}/dashboard/settings\\?provider=garmin&connected=1`));
  await expect(card(page, "garmin").getByTestId("provider-state")).toContainText("Connected as");
  await disconnect(page, "garmin", "Garmin");
});

test("an OAuth 1.0a Garmin connection is migrated in place to OAuth 2.0 from its card", async ({ page }) => {
  test.skip(!process.env.E2E_DATABASE_URL, "needs both app instances on one PostgreSQL database (CI runs it)");
  await signUp(page, undefined, oauth1AppUrl);
  await page.goto(`${oauth1AppUrl}/dashboard/settings`);
  await card(page, "garmin").getByRole("link", { name: "Connect Garmin" }).click();
  await approve(page, `e2e-garmin-migrate-${run}`);
  await expect(card(page, "garmin").getByTestId("provider-state")).toContainText("Connected as");

  // Same database, same session secret: the main instance (OAuth 2.0 configured) offers migration.
  await page.goto("/dashboard/settings");
  await card(page, "garmin").getByRole("button", { name: "Migrate Garmin to OAuth 2.0" }).click();
  await expect(card(page, "garmin").getByRole("button", { name: /Migrate/ })).toHaveCount(0);
  await expect(card(page, "garmin").getByTestId("provider-state")).toContainText("Connected as");
});

test("Hevy: a wrong API key is refused with a clear message; the right one connects; disconnect", async ({ page }) => {
  await signUp(page);
  await page.goto("/dashboard/settings");
  const hevy = card(page, "hevy");
  await hevy.getByLabel("API key").fill("00000000-0000-4000-8000-000000000000");
  await hevy.getByRole("button", { name: "Connect Hevy" }).click();
  await expect(hevy.getByRole("alert")).toContainText("Hevy rejected this API key");
  await expect(hevy.getByTestId("provider-state")).toHaveText("Configured: not connected");

  await hevy.getByLabel("API key").fill(Object.keys(DEMO_HEVY_API_KEYS)[0]);
  await hevy.getByRole("button", { name: "Connect Hevy" }).click();
  await expect(hevy.getByTestId("provider-state")).toContainText("Connected");
  await disconnect(page, "hevy", "Hevy");
});

test("Eight Sleep: a wrong password is refused; the right one connects without storing it; disconnect", async ({ page }) => {
  await signUp(page);
  await page.goto("/dashboard/settings");
  const eight = card(page, "eightsleep");
  await eight.getByLabel("Eight Sleep email").fill(`sleeper-${run}@example.test`);
  await eight.getByLabel("Eight Sleep password").fill("not-the-password");
  await eight.getByRole("button", { name: "Connect Eight Sleep" }).click();
  await expect(eight.getByRole("alert")).toHaveText("Eight Sleep did not accept this e-mail and password.");
  await expect(eight.getByLabel("Eight Sleep email")).toHaveValue(`sleeper-${run}@example.test`);
  await expect(eight.getByTestId("provider-state")).toHaveText("Configured: not connected");

  await eight.getByLabel("Eight Sleep password").fill(DEMO_EIGHTSLEEP_PASSWORD);
  await eight.getByRole("button", { name: "Connect Eight Sleep" }).click();
  await expect(eight.getByTestId("provider-state")).toContainText("Connected");
  await disconnect(page, "eightsleep", "Eight Sleep");
});
