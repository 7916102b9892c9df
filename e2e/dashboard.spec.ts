import { expect, test, type Locator, type Page, type TestInfo } from "@playwright/test";
import { signUp } from "./helpers";

/**
 * The dashboard at phone width over data pushed through the real ingest endpoint: every page
 * renders its charts with that data (uPlot's canvas has the series painted on it, and each chart
 * has its table of numbers), nothing scrolls sideways at 390 px, Sign out stays reachable, the
 * range picker and the source-order buttons work from the keyboard, and nothing breaks the CSP.
 * A screenshot of each page is attached to the test's results.
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
  // Kept in the test's output folder and listed in the report as the test's attachments.
  const path = info.outputPath(`${name}.png`);
  await page.screenshot({ path, fullPage: true });
  await info.attach(name, { path, contentType: "image/png" });
}

/**
 * A chart has its data on screen: uPlot has drawn (data-drawn) and its canvas holds coloured
 * pixels (the series; grid lines and axis text are grey), and its figure is named.
 */
async function expectDrawn(figure: Locator, minPixels = 20) {
  await expect(figure.locator("[data-drawn]")).toHaveAttribute("data-drawn", /^[1-9]/);
  const coloured = await figure.locator("canvas").evaluate((c: HTMLCanvasElement) => {
    const { data } = c.getContext("2d")!.getImageData(0, 0, c.width, c.height);
    let n = 0;
    for (let i = 0; i < data.length; i += 4) if (data[i + 3] > 128 && Math.max(data[i], data[i + 1], data[i + 2]) - Math.min(data[i], data[i + 1], data[i + 2]) > 60) n++;
    return n;
  });
  expect(coloured, "coloured pixels on the chart's canvas").toBeGreaterThan(minPixels);
}

/** Opens the chart's table from the keyboard and returns it. */
async function openTable(page: Page, figure: Locator): Promise<Locator> {
  await figure.getByText("Show the numbers as a table").focus();
  await page.keyboard.press("Enter");
  const table = figure.getByRole("table");
  await expect(table).toBeVisible();
  return table;
}

test("dashboard pages at 390 px: charts with data and their tables, range picker by keyboard, provenance, source order", async ({ page }, info) => {
  test.setTimeout(180_000);
  const cspViolations: string[] = [];
  page.on("console", (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) cspViolations.push(m.text());
  });
  page.on("pageerror", (e) => cspViolations.push(`page error: ${e.message}`));
  await signUp(page);
  await page.goto("/dashboard/settings");
  const phoneApps = page.getByRole("region", { name: "Phone apps" });
  await phoneApps.getByLabel("Key name").fill("iPhone");
  await phoneApps.getByRole("button", { name: "Create key" }).click();
  await expect(phoneApps.getByLabel("New API key")).toHaveValue(/^hb_/);
  const key = await phoneApps.getByLabel("New API key").inputValue();
  const push = async (body: unknown) => {
    const res = await page.request.post("/api/webhooks/ingest", { headers: { "X-API-Key": key, "Content-Type": "application/json" }, data: JSON.stringify(body) });
    expect(res.status(), await res.text()).toBe(200);
  };

  // 13 days of steps before today (1000 + 100 per day back), a weight, a night, heart rate every
  // 10 minutes yesterday, resting HR and SDNN for 5 days, and a run with its own heart rate and route.
  const steps = Array.from({ length: 13 }, (_, i) => ({ date: `${utcDay(i + 1)} 09:00:00 +0000`, qty: 1000 + 100 * (i + 1), source: "iPhone" }));
  const pad = (n: number) => String(n).padStart(2, "0");
  const heartRate = Array.from({ length: 144 }, (_, i) => ({ date: `${utcDay(1)} ${pad(Math.floor(i / 6))}:${pad((i % 6) * 10)}:00 +0000`, Avg: 60 + (i % 30), units: "count/min", source: "Apple Watch" }));
  const daily = (name: string, units: string, at: (i: number) => number) => ({ name, units, data: Array.from({ length: 5 }, (_, i) => ({ date: `${utcDay(i + 1)} 06:30:00 +0000`, qty: at(i) })) });
  const runDay = utcDay(3);
  const runHr = Array.from({ length: 45 }, (_, i) => ({ date: `${runDay} 07:${pad(i)}:00 +0200`, Avg: 120 + i, Min: 115 + i, Max: 125 + i, units: "count/min" }));
  const runRoute = Array.from({ length: 200 }, (_, i) => ({ latitude: 52.5 + 0.01 * Math.sin(i / 30), longitude: 13.4 + 0.0002 * i, timestamp: `${runDay} 07:${pad(Math.floor(i / 5))}:${pad((i % 5) * 12)} +0200` }));
  await push({
    data: {
      metrics: [
        { name: "step_count", units: "count", data: steps },
        { name: "weight_body_mass", units: "kg", data: [{ date: `${utcDay(2)} 07:00:00 +0000`, qty: 72.4 }] },
        { name: "heart_rate", units: "count/min", data: heartRate },
        daily("resting_heart_rate", "count/min", (i) => 52 + i),
        daily("heart_rate_variability", "ms", (i) => 40 + 2 * i),
        {
          name: "sleep_analysis",
          units: "hr",
          data: [{ date: `${utcDay(1)} 06:00:00 +0000`, core: 4, deep: 1.5, rem: 1.5, awake: 0.5, sleepStart: `${utcDay(2)} 22:30:00 +0000`, sleepEnd: `${utcDay(1)} 06:00:00 +0000`, source: "Apple Watch" }],
        },
      ],
      workouts: [{ id: "e2e-run", name: "Outdoor Run", start: `${runDay} 07:00:00 +0200`, end: `${runDay} 07:45:00 +0200`, distance: { qty: 8.2, units: "km" }, heartRateData: runHr, route: runRoute }],
    },
  });
  // RMSSD (Health Connect's HRV) and body fat from an Android bridge: RMSSD gets its own chart, never SDNN's axis.
  await push({
    timestamp: new Date().toISOString(),
    app_version: "2.4.0",
    heart_rate_variability: [1, 2, 3].map((d) => ({ rmssd_millis: 30 + d, time: `${utcDay(d)}T06:30:00Z` })),
    body_fat: [{ percentage: 18.5, time: `${utcDay(2)}T07:00:00Z` }],
  });

  // Overview: this week (from Monday, the default first day) holds the k days since Monday before
  // today, 1…k days ago: mean of 1100…1000 + 100k. On a Monday it holds none yet.
  await page.goto("/dashboard");
  const stepsTile = page.locator('li[data-metric="steps"]');
  const k = (new Date().getUTCDay() + 6) % 7;
  await expect(stepsTile.getByTestId("week")).toContainText(
    k ? `${Math.round(1000 + (100 * (k + 1)) / 2).toLocaleString("en-US")} avg/day over ${k} day${k === 1 ? "" : "s"}` : "This week: —",
  );
  if (k) await expect(stepsTile).toContainText("vs the week before");
  // The sparkline spans this week and the whole week before: the 7 + k days before today.
  await expect(stepsTile.getByRole("img", { name: new RegExp(`^Steps, this week and the week before, .*: ${k + 7} days$`) })).toBeVisible();
  await expectDrawn(stepsTile);
  await expect(page.locator('li[data-metric="weight"]').getByTestId("today")).toHaveText("72.4 kg");
  await expect(page.getByRole("region", { name: "Recent activities" }).getByRole("listitem").filter({ hasText: "Outdoor Run" })).toContainText("UTC+02:00");
  await checkPage(page, info, "overview");

  // Metric page: bars with data and their table; the range picker from the keyboard.
  await stepsTile.getByRole("link", { name: "Steps" }).click();
  await expect(page.getByRole("heading", { name: "Steps", level: 1 })).toBeVisible();
  const stepsChart = page.locator("figure", { has: page.getByRole("img", { name: /^Steps, / }) });
  await expectDrawn(stepsChart);
  await expect(stepsChart).toHaveAttribute("data-chart", "bar");
  await expect(stepsChart).toHaveAttribute("data-points", "13");
  const stepsTable = await openTable(page, stepsChart);
  await expect(stepsTable.getByRole("row", { name: utcDay(1) })).toContainText("1,100");
  await expect(stepsTable.getByRole("row")).toHaveCount(14);
  // Tab moves along the presets (30 days is current), Shift+Tab back; Enter picks.
  const ranges = page.getByRole("navigation", { name: "Range" });
  await ranges.getByRole("link", { name: "30 days" }).focus();
  await page.keyboard.press("Shift+Tab");
  await expect(ranges.getByRole("link", { name: "7 days" })).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/range=7d/);
  await expect(page.getByRole("navigation", { name: "Range" }).getByRole("link", { name: "7 days" })).toHaveAttribute("aria-current", "page");
  await expect(page.getByTestId("stats")).toContainText("6 days with data");
  await expect(page.locator(`li[data-date="${utcDay(1)}"]`)).toContainText("Used: Apple Health (iPhone)");
  await expectDrawn(page.locator("figure", { has: page.getByRole("img", { name: /^Steps, / }) }));
  // Picked dates: type into From, Enter submits the form.
  const from = page.getByRole("form", { name: "Pick dates" }).getByLabel("From");
  await from.fill(utcDay(10));
  await from.press("Enter");
  await expect(page).toHaveURL(new RegExp(`from=${utcDay(10)}&to=`));
  await expect(page.getByTestId("stats")).toContainText("10 days with data");
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

  // Heart and body: heart rate as a line with its min–max band, RMSSD and SDNN on charts of their own.
  await page.goto("/dashboard/heart");
  const hrChart = page.locator("figure", { has: page.getByRole("img", { name: /^Heart rate, / }) });
  await expectDrawn(hrChart, 100);
  await expect(hrChart).toHaveAttribute("data-chart", "line");
  // 144 readings yesterday in 1-hour buckets: 24 of them (6 readings each, 60…89 bpm).
  await expect(hrChart).toHaveAttribute("data-points", "24");
  const hrTable = await openTable(page, hrChart);
  await expect(hrTable.getByRole("columnheader")).toHaveText([/^Time \(/, "Average", "Lowest", "Highest"]);
  await expect(hrTable.getByRole("row")).toHaveCount(25);
  await expect(page.getByRole("region", { name: "Heart rate", exact: true })).toContainText("144 readings");
  for (const [name, points] of [
    ["Resting heart rate", 5],
    ["HRV (RMSSD)", 3],
    ["HRV (SDNN)", 5],
  ] as const) {
    const figure = page.getByRole("region", { name }).locator("figure");
    await expect(figure, name).toHaveCount(1);
    await expect(figure).toHaveAttribute("data-points", String(points));
    await expectDrawn(figure);
  }
  await expect(page.getByRole("region", { name: "HRV (RMSSD)" }).getByRole("img")).toHaveAccessibleName(/lowest 31 ms, highest 33 ms/);
  await expect(page.getByRole("region", { name: "HRV (SDNN)" }).getByRole("img")).toHaveAccessibleName(/lowest 40 ms, highest 48 ms/);
  await checkPage(page, info, "heart");

  // Activities: the run, then its detail: its own heart rate as a chart, and its route.
  await page.goto("/dashboard/activities");
  await checkPage(page, info, "activities");
  await page.getByRole("link", { name: "Outdoor Run" }).click();
  await expect(page.getByRole("heading", { name: /Copies from each source \(1\)/ })).toBeVisible();
  await expect(page.getByText("8.20 km").first()).toBeVisible();
  const runHrChart = page.locator("figure", { has: page.getByRole("img", { name: /^Heart rate during the workout, / }) });
  await expectDrawn(runHrChart, 100);
  // 45 minutes in 10 s buckets, one sample a minute: 45 buckets, read on the run's own clock.
  await expect(runHrChart).toHaveAttribute("data-points", "45");
  const runTable = await openTable(page, runHrChart);
  await expect(runTable.getByRole("columnheader").first()).toHaveText("Time (UTC+02:00)");
  await expect(runTable.getByRole("row", { name: `${runDay} 07:00` })).toContainText("120 bpm");
  const route = page.getByRole("img", { name: /^Route, 200 GPS points: starts at 52\.5000° N, 13\.4000° E/ });
  await expect(route).toBeVisible();
  expect(((await route.locator("path").getAttribute("d")) ?? "").match(/L/g)?.length).toBe(199);
  await checkPage(page, info, "activity");

  // Sleep: the night as stacked stages with its table, and no naps; then the night itself.
  await page.goto("/dashboard/sleep?range=7d");
  const sleepChart = page.locator("figure", { has: page.getByRole("img", { name: /^Sleep stages per night.*: 1 nights/ }) });
  await expectDrawn(sleepChart);
  await expect(sleepChart).toHaveAttribute("data-chart", "stacked");
  const sleepTable = await openTable(page, sleepChart);
  await expect(sleepTable.getByRole("row", { name: utcDay(1) })).toHaveText(`${utcDay(1)}1.5 h4.0 h1.5 h0.5 h7.5 h`);
  await expect(page.getByRole("heading", { name: "Nights (1)" })).toBeVisible();
  await expect(page.getByRole("heading", { name: "Naps (0)" })).toBeVisible();
  await checkPage(page, info, "sleep");
  await page.getByRole("link", { name: utcDay(1) }).click();
  await expect(page.getByRole("heading", { name: `Night of ${utcDay(1)}` })).toBeVisible();
  await checkPage(page, info, "night");

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
  expect(cspViolations, "no CSP violations or page errors").toEqual([]);
});
