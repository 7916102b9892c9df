import { expect, test, type Page } from "@playwright/test";
import { FHIR_EXPORT_DEMO_TOKEN } from "./simulator/clients";
import { signUp, simulatorUrl } from "./helpers";

/**
 * The export to a FHIR server is opt-in per user: the app is configured with the simulator's FHIR
 * server (playwright.config.ts), a user sees the Settings card's switch off, turns it on with the
 * keyboard, and their Observations reach that server (read back through its own FHIR API) by the
 * runner's export pass; a user who never turned it on has nothing there, not even a Patient.
 */

const fhirBase = `${simulatorUrl}/fhir.example.org/r4`;
// The pass starts at most every 15 s and leaves the last 30 s of updates for the next one, on a loaded 2-core box.
const EXPORTED = { timeout: 150_000, intervals: [1_000, 2_000, 3_000] };

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- FHIR resources are read by value
type Json = Record<string, any>;

const exportCard = (page: Page) => page.getByRole("region", { name: "Export to a FHIR server" });

async function createKey(page: Page): Promise<string> {
  await page.goto("/dashboard/settings");
  const phoneApps = page.getByRole("region", { name: "Phone apps" });
  await phoneApps.getByLabel("Key name").fill("iPhone");
  await phoneApps.getByRole("button", { name: "Create key" }).click();
  await expect(phoneApps.getByLabel("New API key")).toHaveValue(/^hb_/);
  return phoneApps.getByLabel("New API key").inputValue();
}

/** Ten minutes of steps yesterday (UTC) through the phone-app webhook, `perMinute` each. */
async function ingestSteps(page: Page, key: string, perMinute: number) {
  const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
  const data = Array.from({ length: 10 }, (_, i) => ({ date: `${yesterday} 09:${String(i).padStart(2, "0")}:00 +0000`, qty: perMinute, source: "iPhone" }));
  const res = await page.request.post("/api/webhooks/ingest", {
    headers: { "X-API-Key": key, "Content-Type": "application/json" },
    data: JSON.stringify({ data: { metrics: [{ name: "step_count", units: "count", data }] } }),
  });
  expect(res.status(), await res.text()).toBe(200);
}

/** Everything of a type on the simulated FHIR server, through its FHIR API. */
async function serverResources(page: Page, type: string): Promise<Json[]> {
  const res = await page.request.get(`${fhirBase}/${type}`, { headers: { authorization: `Bearer ${FHIR_EXPORT_DEMO_TOKEN}` } });
  expect(res.status()).toBe(200);
  return ((await res.json()).entry ?? []).map((e: Json) => e.resource);
}
const patientOf = async (page: Page, email: string) =>
  (await serverResources(page, "Patient")).find((p) => p.telecom?.some((t: Json) => t.system === "email" && t.value === email));

test("the FHIR export is off until a user turns it on by keyboard; then their Observations reach the server, and another user's never do", async ({ page, browser }) => {
  test.setTimeout(300_000);

  // A user who never turns the export on; their readings land first.
  const other = await browser.newContext();
  const otherPage = await other.newPage();
  const otherEmail = await signUp(otherPage);
  await ingestSteps(otherPage, await createKey(otherPage), 40);

  const email = await signUp(page);
  await ingestSteps(page, await createKey(page), 70);

  // The card: the switch named after the server, off.
  await page.goto("/dashboard/settings");
  const card = exportCard(page);
  const toggle = card.getByRole("switch", { name: /^Send my data to 127\.0\.0\.1:\d+$/ });
  await expect(toggle).toHaveAttribute("aria-checked", "false");
  await expect(card).toContainText("Turning it off stops further exports; what was already sent stays on that server");
  await expect(card.getByTestId("fhir-export-last")).toHaveText("Not yet");
  await expect(card.getByTestId("fhir-export-created")).toHaveText("0");

  // On, by keyboard: focus and Space.
  await toggle.focus();
  await expect(toggle).toBeFocused();
  await page.keyboard.press("Space");
  await expect(card.getByRole("status")).toContainText("On: your Observations go to");
  await expect(toggle).toHaveAttribute("aria-checked", "true");

  // The runner's export pass sends them: the card shows the count created there and the last export.
  await expect(async () => {
    await page.goto("/dashboard/settings");
    await expect(exportCard(page).getByTestId("fhir-export-pending")).toHaveText("Nothing", { timeout: 1_000 });
    await expect(exportCard(page).getByTestId("fhir-export-created")).not.toHaveText("0", { timeout: 1_000 });
  }).toPass(EXPORTED);
  await expect(exportCard(page).getByRole("switch", { name: /^Send my data to/ })).toHaveAttribute("aria-checked", "true");
  await expect(exportCard(page).getByTestId("fhir-export-last")).toHaveText(/^\d{4}-\d\d-\d\d \d\d:\d\d$/);
  const created = Number(await exportCard(page).getByTestId("fhir-export-created").textContent());

  // The server holds this user's Patient and exactly that many Observations of theirs, the steps among them.
  const patient = await patientOf(page, email);
  expect(patient, "the Patient of the user who opted in").toBeDefined();
  const observations = (await serverResources(page, "Observation")).filter((o) => o.subject?.reference === `Patient/${patient!.id}`);
  expect(observations).toHaveLength(created);
  const steps = observations.filter((o) => o.code?.coding?.some((c: Json) => c.code === "41950-7"));
  expect(steps.length).toBeGreaterThan(0);
  expect(steps.some((o) => o.valueQuantity?.value === 700)).toBe(true);

  // The other user, whose readings landed before these were exported: nothing of theirs is there.
  expect(await patientOf(page, otherEmail)).toBeUndefined();
  const otherValues = (await serverResources(page, "Observation")).filter((o) => o.subject?.reference !== `Patient/${patient!.id}` && o.valueQuantity?.value === 400);
  expect(otherValues).toEqual([]);
  await otherPage.goto("/dashboard/settings");
  await expect(exportCard(otherPage).getByRole("switch", { name: /^Send my data to/ })).toHaveAttribute("aria-checked", "false");
  await expect(exportCard(otherPage).getByTestId("fhir-export-last")).toHaveText("Not yet");
  await other.close();
});
