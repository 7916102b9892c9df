import { expect, test, type Locator } from "@playwright/test";
import { writeSyntheticExport } from "../src/lib/import/synthetic-export";
import { signUp } from "./helpers";

const DAY = 86_400_000;
/** "1,234" → 1234 */
const num = (s: string) => Number(s.replace(/,/g, ""));
/** The figures of the running import's progress line ("…: 1,234 of 5,678 bytes read, 90 records"). */
async function progressOf(job: Locator) {
  const text = (await job.getByTestId("import-progress").textContent({ timeout: 1_000 }).catch(() => null)) ?? "";
  const m = /^(reading export\.xml, line ([\d,]+)): ([\d,]+) of ([\d,]+) bytes read, ([\d,]+) records$/.exec(text);
  return m ? { step: m[1], line: num(m[2]), bytes: num(m[3]), total: num(m[4]), records: num(m[5]) } : null;
}

async function openImport(page: import("@playwright/test").Page) {
  await signUp(page);
  await page.goto("/dashboard/settings");
  await page.getByRole("link", { name: "Import history from files" }).click();
  await expect(page.getByRole("heading", { name: "Import history from files" })).toBeVisible();
}

test("import: an export.xml uploads in chunks, the progress bar shows bytes, records and the line being read, and the days reach the dashboard", async ({ page }, testInfo) => {
  test.setTimeout(300_000);
  // Sixty days up to an hour ago (~15 MB, two 8 MB chunks): the dashboard's week is all imported.
  const now = Date.now();
  const file = testInfo.outputPath("export.xml");
  const made = await writeSyntheticExport(file, Infinity, now - 60 * DAY, now - 3_600_000);
  expect(made.bytes).toBeGreaterThan(8 * 1024 * 1024);
  await openImport(page);
  await page.getByLabel("Choose files").setInputFiles(file);

  const job = page.getByTestId("import-job").filter({ hasText: "export.xml" });
  const bar = job.getByRole("progressbar", { name: "export.xml progress" });
  await expect(bar).toBeVisible();
  // The bar while it reads: the bytes, records and line move on between two polls.
  let first: Awaited<ReturnType<typeof progressOf>> = null;
  await expect.poll(async () => (first = await progressOf(job)), { timeout: 120_000 }).not.toBeNull();
  expect(first!.total).toBe(made.bytes);
  await expect(job.getByTestId("import-status")).toHaveText(/running|succeeded/);

  await expect(job.getByTestId("import-status")).toHaveText("succeeded", { timeout: 240_000 });
  await expect(bar).toHaveCount(0);
  // The summary: records per type, and rows stored.
  await expect(job).toContainText(`HKQuantityTypeIdentifierHeartRate: ${made.heartRate.toLocaleString("en-US")}`);
  await expect(job).toContainText(`HKQuantityTypeIdentifierStepCount: ${made.steps.toLocaleString("en-US")}`);
  await expect(job.locator("summary")).toHaveText(`${(made.heartRate + made.steps).toLocaleString("en-US")} records stored, 0 already there`);

  // The same file again: nothing new, everything already there.
  await page.getByLabel("Choose files").setInputFiles(file);
  await expect(page.getByTestId("import-job")).toHaveCount(2);
  const again = page.getByTestId("import-job").first();
  await expect(again.getByTestId("import-status")).toHaveText("succeeded", { timeout: 240_000 });
  await expect(again.locator("summary")).toHaveText(`0 records stored, ${(made.heartRate + made.steps).toLocaleString("en-US")} already there`);

  // The imported days are on the dashboard.
  await page.goto("/dashboard");
  // (A new account has none: "—". How many of the 7 days count depends on the account's zone vs. the file's -07:00.)
  // "This week" runs from the first day of the week (Monday by default), so it holds 0–6 days; the
  // sparkline beside it (this week and the week before) always holds at least the 7 days before it.
  const stepsTile = page.locator('li[data-metric="steps"]');
  await expect(stepsTile.getByTestId("week")).toContainText(/^This week: ([\d,]+ avg\/day over [1-7] days?, total [\d,]+|—)$/);
  await expect(stepsTile.getByRole("img", { name: /^Steps, this week and the week before, .*: ([7-9]|1[0-4]) days$/ })).toBeVisible();
});

test("import: a running import is cancelled from its progress bar and says what landed", async ({ page }, testInfo) => {
  test.setTimeout(300_000);
  // Big enough that the import is still running when the cancel arrives, even on an idle machine.
  const file = testInfo.outputPath("export.xml");
  const made = await writeSyntheticExport(file, 120 * 1024 * 1024);
  await openImport(page);
  await page.getByLabel("Choose files").setInputFiles(file);

  const job = page.getByTestId("import-job").filter({ hasText: "export.xml" });
  await expect(job.getByTestId("import-progress")).toContainText("Uploading", { timeout: 60_000 });
  await expect.poll(async () => (await progressOf(job))?.records ?? 0, { timeout: 180_000 }).toBeGreaterThan(0);
  const before = (await progressOf(job))!;
  expect(before.bytes).toBeLessThan(made.bytes);
  await job.getByRole("button", { name: "Cancel" }).click();
  await expect(job.getByTestId("import-status")).toHaveText("cancelled", { timeout: 120_000 });
  await expect(job.getByRole("alert")).toHaveText(
    "Cancelled; the rows read before the cancel were kept (importing the file again completes it without duplicates).",
  );
  // What landed is counted: some rows, not all of them.
  const summary = (await job.locator("summary").textContent()) ?? "";
  const stored = num(/^([\d,]+) records stored, 0 already there$/.exec(summary.trim())?.[1] ?? "NaN");
  expect(stored).toBeGreaterThan(0);
  expect(stored).toBeLessThan(made.heartRate + made.steps);
});
