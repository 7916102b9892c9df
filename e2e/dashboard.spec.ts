import { expect, test, type Page, type TestInfo } from "@playwright/test";
import { signUp } from "./helpers";

/**
 * The dashboard at phone width over data pushed through the real ingest endpoint: every page
 * renders its chart or list with that data, nothing scrolls sideways at 390 px, Sign out stays
 * reachable, the range picker and the source-order buttons work from the keyboard. A screenshot
 * of each page is kept as a test artifact.
 */

test.use({ viewport: { width: 390, height: 844 } });

const utcDay = (daysAgo: number) => new Date(Date.now() - daysAgo * 86_400_000).toISOString().slice(0, 10);

async function checkPage(page: Page, info: TestInfo, name: string) {
  // Reachable = on screen at the top of the page (a click further down may have scrolled it away).
  await page.evaluate(() => window.scrollTo(0, 0));
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  // The innermost elements sticking out, so a failure says what to fix.
  const wide = await page.evaluate(() =>
    [...document.querySelectorAll("body *")]
      .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 0.5 && ![...e.children].some((c) => c.getBoundingClientRect().right > window.innerWidth + 0.5))
      .slice(0, 5)
      .map((e) => `<${e.tagName.toLowerCase()}> ${(e.textContent ?? "").trim().slice(0, 60)}`),
  );
  expect(width, `${name} is wider than the 390 px viewport: ${wide.join("; ")}`).toBeLessThanOrEqual(390);
  await expect(page.getByRole("button", { name: "Sign out" })).toBeInViewport();
  await page.screenshot({ path: info.outputPath(`${name}.png`), fullPage: true });
}

test("dashboard pages at 390 px: overview, metric chart and provenance, source order, activities, sleep", async ({ page }, info) => {
  test.setTimeout(120_000);
  await signUp(page);
  await page.goto("/dashboard/settings");
  const phoneApps = page.getByRole("region", { name: "Phone apps" });
  await phoneApps.getByLabel("Key name").fill("iPhone");
  await phoneApps.getByRole("button", { name: "Create key" }).click();
  await expect(phoneApps.getByLabel("New API key")).toHaveValue(/^hb_/);
  const key = await phoneApps.getByLabel("New API key").inputValue();

  // 13 days of steps before today (1000 + 100 per day back), a weight, a run and a night.
  const steps = Array.from({ length: 13 }, (_, i) => ({ date: `${utcDay(i + 1)} 09:00:00 +0000`, qty: 1000 + 100 * (i + 1), source: "iPhone" }));
  const body = {
    data: {
      metrics: [
        { name: "step_count", units: "count", data: steps },
        { name: "weight_body_mass", units: "kg", data: [{ date: `${utcDay(2)} 07:00:00 +0000`, qty: 72.4 }] },
        {
          name: "sleep_analysis",
          units: "hr",
          data: [{ date: `${utcDay(1)} 06:00:00 +0000`, core: 4, deep: 1.5, rem: 1.5, awake: 0.5, sleepStart: `${utcDay(2)} 22:30:00 +0000`, sleepEnd: `${utcDay(1)} 06:00:00 +0000`, source: "Apple Watch" }],
        },
      ],
      workouts: [{ id: "e2e-run", name: "Outdoor Run", start: `${utcDay(3)} 07:00:00 +0200`, end: `${utcDay(3)} 07:45:00 +0200`, distance: { qty: 8.2, units: "km" } }],
    },
  };
  const res = await page.request.post("/api/webhooks/ingest", { headers: { "X-API-Key": key, "Content-Type": "application/json" }, data: JSON.stringify(body) });
  expect(res.status()).toBe(200);

  // Overview: this week (from Monday, the default first day) holds the k days since Monday before
  // today, 1…k days ago: mean of 1100…1000 + 100k. On a Monday it holds none yet.
  await page.goto("/dashboard");
  const stepsTile = page.locator('li[data-metric="steps"]');
  const k = (new Date().getUTCDay() + 6) % 7;
  await expect(stepsTile.getByTestId("week")).toContainText(
    k ? `${Math.round(1000 + (100 * (k + 1)) / 2).toLocaleString("en-US")} avg/day over ${k} day${k === 1 ? "" : "s"}` : "This week: —",
  );
  if (k) await expect(stepsTile).toContainText("vs the week before");
  await expect(page.locator('li[data-metric="weight"]').getByTestId("today")).toHaveText("72.4 kg");
  await expect(page.getByRole("region", { name: "Recent activities" }).getByRole("listitem").filter({ hasText: "Outdoor Run" })).toContainText("UTC+02:00");
  await checkPage(page, info, "overview");

  // Metric page: chart with data; the range picker from the keyboard.
  await stepsTile.getByRole("link", { name: "Steps" }).click();
  await expect(page.getByRole("heading", { name: "Steps", level: 1 })).toBeVisible();
  await expect(page.getByRole("img", { name: /^Steps, / })).toBeVisible();
  const sevenDays = page.getByRole("navigation", { name: "Range" }).getByRole("link", { name: "7 days" });
  await sevenDays.focus();
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/range=7d/);
  await expect(page.getByRole("navigation", { name: "Range" }).getByRole("link", { name: "7 days" })).toHaveAttribute("aria-current", "page");
  await expect(page.getByTestId("stats")).toContainText("6 days with data");
  await expect(page.locator(`li[data-date="${utcDay(1)}"]`)).toContainText("Used: Apple Health (iPhone)");
  await checkPage(page, info, "metric-steps");

  // Source order: move Apple Health up in Steps with the keyboard; the order is saved.
  await page.getByRole("link", { name: /Reorder the sources of steps/ }).click();
  await expect(page).toHaveURL(/\/dashboard\/settings\/sources/);
  const stepsOrder = page.getByRole("region", { name: "Steps", exact: true });
  const ids = async () => stepsOrder.locator("li[data-provider]").evaluateAll((els) => els.map((e) => e.getAttribute("data-provider")));
  const before = (await ids()).indexOf("apple_health");
  await stepsOrder.getByRole("button", { name: "Move Apple Health up in Steps" }).focus();
  await page.keyboard.press("Enter");
  await expect.poll(async () => (await ids()).indexOf("apple_health"), { timeout: 30_000 }).toBe(before - 1);
  await expect(stepsOrder).toContainText("Your order");
  await checkPage(page, info, "source-order");

  // Activities: the run, then its detail with its copy.
  await page.goto("/dashboard/activities");
  await page.getByRole("link", { name: "Outdoor Run" }).click();
  await expect(page.getByRole("heading", { name: /Copies from each source \(1\)/ })).toBeVisible();
  await expect(page.getByText("8.20 km").first()).toBeVisible();
  await checkPage(page, info, "activity");

  // Sleep: the night as stages, and no naps.
  await page.goto("/dashboard/sleep?range=7d");
  await expect(page.getByRole("img", { name: /Sleep stages per night.*1 nights/ })).toBeVisible();
  await expect(page.getByRole("heading", { name: "Nights (1)" })).toBeVisible();
  await expect(page.getByRole("heading", { name: "Naps (0)" })).toBeVisible();
  await checkPage(page, info, "sleep");

  // Preferences: a home zone that is not one is refused; a real one is saved.
  await page.goto("/dashboard/settings");
  const prefs = page.getByRole("region", { name: "Preferences" });
  await prefs.getByLabel("Home time zone").fill("Mars/Olympus");
  await prefs.getByRole("button", { name: "Save time zone" }).click();
  await expect(prefs.getByRole("alert")).toContainText("Not a time zone name");
  await prefs.getByLabel("Home time zone").fill("Europe/Berlin");
  await prefs.getByRole("button", { name: "Save time zone" }).click();
  await expect(prefs.getByRole("status")).toContainText("Europe/Berlin");
  await prefs.getByLabel(/Imperial/).check();
  await prefs.getByRole("button", { name: "Save units" }).click();
  await expect(prefs.getByRole("status").last()).toContainText("imperial");
  await checkPage(page, info, "settings");
  await page.goto("/dashboard");
  await expect(page.locator('li[data-metric="weight"]').getByTestId("today")).toHaveText("159.6 lb");
});
