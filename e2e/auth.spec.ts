import { expect, test } from "@playwright/test";
import { formError, PASSWORD, signUp, uniqueEmail } from "./helpers";

test("anonymous /dashboard goes to sign-in and comes back after signing in", async ({ page }) => {
  await page.goto("/dashboard/settings");
  await expect(page).toHaveURL(/\/signin\?callbackUrl=%2Fdashboard%2Fsettings/);
  await expect(page.getByRole("link", { name: "Create an account" })).toBeVisible();

  const email = uniqueEmail();
  await page.getByRole("link", { name: "Create an account" }).click();
  await expect(page).toHaveURL(/\/signup\?callbackUrl=%2Fdashboard%2Fsettings/);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL(/\/dashboard\/settings$/);
  await expect(page.getByRole("heading", { name: "Connected sources" })).toBeVisible();
});

test("sign up, sign out, sign in, see the dashboard and the provider list", async ({ page }) => {
  const email = uniqueEmail();
  await signUp(page, email);
  await expect(page.getByRole("heading", { name: "Dashboard" })).toBeVisible();
  await expect(page.getByRole("heading", { name: "No data yet" })).toBeVisible();

  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/signin/);
  await page.goto("/dashboard");
  await expect(page).toHaveURL(/\/signin\?callbackUrl=%2Fdashboard/);

  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("not-the-password-1");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(formError(page)).toHaveText("Wrong e-mail or password.");

  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/dashboard$/);

  await page.getByRole("link", { name: "Settings" }).click();
  const sources = page.getByRole("region", { name: "Connected sources" });
  for (const name of ["Strava", "Garmin", "Oura", "WHOOP", "Fitbit", "Polar", "COROS", "Withings", "Hevy", "Eight Sleep", "Apple Health", "Android Health Connect"]) {
    await expect(sources.getByRole("heading", { name, exact: true })).toBeVisible();
  }
});

test("sign-up explains a weak password and answers a taken e-mail neutrally", async ({ page }) => {
  const email = uniqueEmail();
  await signUp(page, email);
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/signin/);

  await page.goto("/signup");
  await page.getByLabel("Email").fill(uniqueEmail());
  await page.getByLabel("Password").fill("short");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(formError(page)).toContainText("at least 10 characters");

  // Sign-up must not reveal that the e-mail has an account: same neutral answer as a failed sign-in.
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("another-horse-42");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(formError(page)).toContainText("If you already have an account, sign in with its password.");
  await expect(formError(page)).not.toContainText("already exists");
});

test("the app's icon is served and linked from every page", async ({ page, request }) => {
  const ico = await request.get("/favicon.ico");
  expect(ico.status()).toBe(200);
  expect((await ico.body()).subarray(0, 4)).toEqual(Buffer.from([0, 0, 1, 0])); // an ICO header
  expect((await request.get("/icon.svg")).headers()["content-type"]).toContain("image/svg+xml");
  await page.goto("/");
  await expect(page.locator('link[rel="icon"][href="/icon.svg"]')).toHaveCount(1);
});
