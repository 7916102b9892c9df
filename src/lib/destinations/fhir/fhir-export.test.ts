import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demoFhirExportEnv } from "@sim/clients";
import { fhirStore, r4SchemaErrors } from "@sim/providers/fhir";
import type { RunningSimulator } from "@sim/server";
import { createUser, simulatorWithAppEnv } from "@/lib/connections/test-support";
import { fhirExports, users } from "@/lib/db/schema";
import { parseEnv } from "@/lib/env";
import { upsertBatch } from "@/lib/normalize/upsert";
import { engines, type TestDb } from "@/test/db";
import type { FhirServer } from "./api";
import { exportDueFhir, exportFhir, fhirExportStatus, HB_EXPORT_ID, setFhirExportConsent } from "./push";

/**
 * The export to a FHIR server against the simulator's FHIR endpoint over real HTTP: that server
 * validates every resource against the R4 schema and honours conditional create, so these tests see
 * what a real server would keep. The clock is injected (retries are scheduled, never slept).
 */

let sim: RunningSimulator;
let server: FhirServer;
beforeAll(async () => {
  sim = await simulatorWithAppEnv();
  const e = demoFhirExportEnv(sim.url);
  server = { baseUrl: e.FHIR_EXPORT_BASE_URL, token: e.FHIR_EXPORT_TOKEN };
});
afterAll(async () => {
  await sim?.close();
});

const NOW = new Date("2026-03-24T16:00:00Z");
const at = (ms: number) => new Date(NOW.getTime() + ms);
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- stored resources are checked by value
type Json = Record<string, any>;

/** The server's Observations of one user (by our export identifier), keyed by that identifier. */
function serverObservations(userId: string): Map<string, Json[]> {
  const out = new Map<string, Json[]>();
  for (const r of fhirStore(sim.state).resources.values()) {
    if (r.resourceType !== "Observation") continue;
    const id = r.identifier.find((i: Json) => i.system === HB_EXPORT_ID)?.value as string;
    if (!id.startsWith(`${userId}/`)) continue;
    out.set(id, [...(out.get(id) ?? []), r]);
  }
  return out;
}
const copies = (m: Map<string, Json[]>) => [...m.values()].reduce((n, l) => n + l.length, 0);
const transactions = () => fhirStore(sim.state).transactions;

const hr = (minute: number, value: number) => ({
  provider: "oura" as const,
  type: "heart_rate",
  measuredAt: new Date(Date.UTC(2026, 2, 23, 8, minute)),
  value,
  unit: "bpm",
});

describe.each(engines)("FHIR export on $name", ({ open }) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await open();
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });

  /** A user with `n` heart-rate readings and a weigh-in; opted in unless `optIn` is false. */
  async function userWith(label: string, n: number, optIn = true) {
    const userId = await createUser(t.db, label);
    if (optIn) await setFhirExportConsent(t.db, userId, true, NOW);
    await t.db.update(users).set({ timeZone: "Europe/Berlin" }).where(eq(users.id, userId));
    await upsertBatch(t.db, userId, {
      measurements: [
        ...Array.from({ length: n }, (_, i) => hr(i, 60 + i)),
        { provider: "withings", type: "weight", measuredAt: new Date("2026-03-23T06:00:00Z"), value: 72.4, unit: "kg", source: "Body+" },
      ],
    });
    return userId;
  }
  const run = (userId: string, now = NOW, extra: Parameters<typeof exportFhir>[2] = {}) => exportFhir(t.db, userId, { server, now, settleMs: 0, ...extra });

  it("sends every Observation once, as the server validates them, with the Patient and the Devices they point to", async () => {
    const userId = await userWith("fx_first", 5);
    const pending = await fhirExportStatus(t.db, userId, server);
    expect(pending).toMatchObject({ lastExportAt: null, lastError: null });
    expect(pending!.pending).toBeGreaterThanOrEqual(6);

    const res = await run(userId);
    expect(res).toMatchObject({ status: "exported", error: null });
    expect(res.sent).toBe(pending!.pending);
    expect(res.created).toBe(res.sent);
    const obs = serverObservations(userId);
    expect(copies(obs)).toBe(res.sent);
    expect(obs.size).toBe(res.sent);
    const stored = [...fhirStore(sim.state).resources.values()];
    for (const r of stored) expect(r4SchemaErrors(r), `${r.resourceType}/${r.id}`).toEqual([]);
    expect(stored.some((r) => r.resourceType === "Patient" && r.id === userId)).toBe(true);
    // Every Device reference resolves on the server, and belongs to this user's Patient.
    for (const o of [...obs.values()].flat().filter((o) => o.device)) {
      const device = fhirStore(sim.state).resources.get(o.device.reference);
      expect(device, o.device.reference).toBeDefined();
      expect(device!.patient.reference).toBe(`Patient/${userId}`);
      expect(o.subject.reference).toBe(`Patient/${userId}`);
    }
    const hrCodes = [...obs.values()].flat().filter((o) => o.code.coding.some((c: Json) => c.code === "8867-4"));
    expect(hrCodes.map((o) => o.valueQuantity.value).sort()).toEqual([60, 61, 62, 63, 64]);

    const status = await fhirExportStatus(t.db, userId, server);
    expect(status).toMatchObject({ pending: 0, lastError: null, created: res.sent });
    expect(status!.lastExportAt).toEqual(NOW);
  });

  it("a replay from scratch (lost cursor) and a pass with nothing new add no duplicates", async () => {
    const userId = await userWith("fx_replay", 4);
    const first = await run(userId);
    const before = copies(serverObservations(userId));
    expect(before).toBe(first.sent);

    const idle = transactions();
    expect(await run(userId, at(60_000))).toMatchObject({ status: "exported", sent: 0 });
    expect(transactions()).toBe(idle);

    await t.db.update(fhirExports).set({ exportedThrough: null }).where(eq(fhirExports.userId, userId));
    const replay = await run(userId, at(120_000));
    expect(replay).toMatchObject({ status: "exported", sent: first.sent, created: 0 });
    expect(copies(serverObservations(userId))).toBe(before);
  });

  it("a crash between Bundles resumes at the next one; small Bundles send the same set", async () => {
    const userId = await userWith("fx_resume", 7);
    const part = await run(userId, NOW, { batchSize: 3, maxBundles: 1 });
    expect(part).toMatchObject({ status: "exported", sent: 3, created: 3 });
    const [mid] = await t.db.select().from(fhirExports).where(eq(fhirExports.userId, userId));
    expect(mid.passUntil).not.toBeNull();
    expect(mid.passAfter).not.toBeNull();
    // The next pass goes on from the stored position: nothing is sent twice.
    const rest = await run(userId, NOW, { batchSize: 3 });
    expect(rest.sent).toBe(rest.created);
    expect(copies(serverObservations(userId))).toBe(3 + rest.sent);
    expect((await fhirExportStatus(t.db, userId, server))!.pending).toBe(0);
  });

  it("after new and changed readings, only the new ones are created", async () => {
    const userId = await userWith("fx_new", 3);
    await run(userId);
    const before = serverObservations(userId);
    // One changed value (same reading, its updated_at moves) and two new readings.
    await upsertBatch(t.db, userId, { measurements: [hr(0, 99), hr(30, 70), hr(31, 71)] });
    expect((await fhirExportStatus(t.db, userId, server))!.pending).toBe(3);
    const next = await run(userId, at(60_000));
    expect(next).toMatchObject({ status: "exported", sent: 3, created: 2 });
    const after = serverObservations(userId);
    expect(after.size).toBe(before.size + 2);
    expect(copies(after)).toBe(after.size);
  });

  it("two users with the same reading at the same instant get an Observation each", async () => {
    const a = await userWith("fx_twin_a", 1);
    const b = await userWith("fx_twin_b", 1);
    expect((await run(a)).created).toBeGreaterThan(0);
    const rb = await run(b);
    expect(rb.created).toBe(rb.sent);
    expect(serverObservations(b).size).toBe(rb.sent);
  });

  it("a 500 is retried later with backoff, a 429 after its Retry-After; the error is shown in words", async () => {
    const userId = await userWith("fx_fault", 2);
    sim.state.addFault({ provider: "fhir", kind: "500" });
    const failed = await run(userId);
    expect(failed.status).toBe("failed");
    expect(failed.error).toMatch(/FHIR server had an error \(HTTP 500\)/);
    expect(serverObservations(userId).size).toBe(0);
    let status = await fhirExportStatus(t.db, userId, server);
    expect(status).toMatchObject({ lastExportAt: null, lastError: failed.error, retryAt: at(30_000) });

    // Not before the backoff: no request at all.
    const seen = sim.state.stats().fhir?.["POST transaction"] ?? 0;
    expect(await run(userId, at(10_000))).toMatchObject({ status: "waiting" });
    expect(sim.state.stats().fhir["POST transaction"]).toBe(seen);

    // The second failure in a row: a 429 whose Retry-After (300 s) is longer than the 1-minute backoff.
    sim.state.addFault({ provider: "fhir", kind: "429", retryAfterSeconds: 300 });
    const limited = await run(userId, at(30_000));
    expect(limited.error).toMatch(/slow down \(HTTP 429\)/);
    status = await fhirExportStatus(t.db, userId, server);
    expect(status!.retryAt).toEqual(at(330_000));
    expect(await run(userId, at(329_000))).toMatchObject({ status: "waiting" });

    const ok = await run(userId, at(330_000));
    expect(ok).toMatchObject({ status: "exported", error: null });
    expect(ok.created).toBe(ok.sent);
    status = await fhirExportStatus(t.db, userId, server);
    expect(status).toMatchObject({ pending: 0, lastError: null, retryAt: null });
    const [row] = await t.db.select().from(fhirExports).where(eq(fhirExports.userId, userId));
    expect(row.failures).toBe(0);
  });

  it("exports only users who turned it on: off by default, nothing of theirs sent, not even their Patient", async () => {
    const userId = await userWith("fx_off", 3, false);
    const status = await fhirExportStatus(t.db, userId, server);
    expect(status).toMatchObject({ enabled: false, lastExportAt: null });
    expect(status!.pending).toBeGreaterThanOrEqual(4);
    expect(await run(userId)).toMatchObject({ status: "not_opted_in", sent: 0 });
    await exportDueFhir(t.db, { server, now: NOW, settleMs: 0, limit: 1000 });
    expect(serverObservations(userId).size).toBe(0);
    expect(fhirStore(sim.state).resources.has(`Patient/${userId}`)).toBe(false);

    // Turned on: due at once, and the backlog goes (past readings included).
    await setFhirExportConsent(t.db, userId, true, NOW);
    expect((await fhirExportStatus(t.db, userId, server))!.enabled).toBe(true);
    await exportDueFhir(t.db, { server, now: NOW, settleMs: 0, limit: 1000 });
    expect(serverObservations(userId).size).toBe(status!.pending);
    expect(fhirStore(sim.state).resources.has(`Patient/${userId}`)).toBe(true);
  });

  it("turning it off stops before the next Bundle (also mid-pass), keeps what was sent there, and on again resumes without duplicates", async () => {
    const userId = await userWith("fx_stop", 7);
    const total = (await fhirExportStatus(t.db, userId, server))!.pending;
    // A proxy in front of the FHIR server: the user turns the export off right after its first Bundle is accepted.
    let posts = 0;
    const proxy: Server = createServer(async (req, res) => {
      const body = await new Promise<Buffer>((ok) => {
        const parts: Buffer[] = [];
        req.on("data", (c: Buffer) => parts.push(c)).on("end", () => ok(Buffer.concat(parts)));
      });
      const upstream = await fetch(server.baseUrl, { method: "POST", headers: req.headers as Record<string, string>, body: body.toString("utf8") });
      const text = await upstream.text();
      if (++posts === 1) await setFhirExportConsent(t.db, userId, false, NOW);
      res.writeHead(upstream.status, { "content-type": upstream.headers.get("content-type") ?? "application/fhir+json" }).end(text);
    });
    await new Promise<void>((ok) => proxy.listen(0, "127.0.0.1", ok));
    try {
      const viaProxy = { ...server, baseUrl: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}` };
      const first = await exportFhir(t.db, userId, { server: viaProxy, now: NOW, settleMs: 0, batchSize: 3 });
      expect(first).toMatchObject({ status: "not_opted_in", sent: 3 });
      expect(posts).toBe(1);
    } finally {
      await new Promise((ok) => proxy.close(ok));
    }
    expect(copies(serverObservations(userId))).toBe(3);
    const status = await fhirExportStatus(t.db, userId, server);
    expect(status).toMatchObject({ enabled: false, created: 3 });

    // Off: neither a pass nor the due check sends anything, new readings included; the 3 stay on the server.
    await upsertBatch(t.db, userId, { measurements: [hr(40, 80)] });
    expect(await run(userId, at(60_000))).toMatchObject({ status: "not_opted_in", sent: 0 });
    await exportDueFhir(t.db, { server, now: at(60_000), settleMs: 0, limit: 1000 });
    expect(copies(serverObservations(userId))).toBe(3);

    // On again: the pass resumes where it stopped, and the new reading follows.
    await setFhirExportConsent(t.db, userId, true, at(120_000));
    await exportDueFhir(t.db, { server, now: at(120_000), settleMs: 0, limit: 1000 });
    await exportDueFhir(t.db, { server, now: at(180_000), settleMs: 0, limit: 1000 });
    const obs = serverObservations(userId);
    expect(obs.size).toBe(total + 1);
    expect(copies(obs)).toBe(obs.size);
    expect((await fhirExportStatus(t.db, userId, server))!.pending).toBe(0);
  });

  it("a refused token is reported as such, and exportDueFhir picks users with something to send", async () => {
    const userId = await userWith("fx_due", 2);
    const bad = await exportFhir(t.db, userId, { server: { ...server, token: "wrong-token" }, now: NOW, settleMs: 0 });
    expect(bad.error).toMatch(/refused the export token \(HTTP 401\)/);
    expect(bad.error).not.toContain("wrong-token");
    await t.db.update(fhirExports).set({ retryAt: null }).where(eq(fhirExports.userId, userId));

    await exportDueFhir(t.db, { server, now: NOW, settleMs: 0, limit: 1000 });
    expect(serverObservations(userId).size).toBeGreaterThan(0);
    const [row] = await t.db.select().from(fhirExports).where(eq(fhirExports.userId, userId));
    expect(row.exportedThrough).not.toBeNull();
    // Nothing changed since: this user is not due any more (no transaction for them).
    const before = transactions();
    await exportDueFhir(t.db, { server, now: at(60_000), settleMs: 0, limit: 1000 });
    expect(transactions()).toBe(before);
  });
});

describe("configuration", () => {
  it("wants FHIR_EXPORT_BASE_URL and FHIR_EXPORT_TOKEN together, the URL a URL", () => {
    const base = { NODE_ENV: "test", NEXTAUTH_SECRET: "x".repeat(32), TOKEN_ENCRYPTION_KEYS: `k1:${"A".repeat(43)}=` };
    expect(() => parseEnv({ ...base, FHIR_EXPORT_BASE_URL: "https://fhir.example.org/r4" })).toThrow(/FHIR_EXPORT_TOKEN: required/);
    expect(() => parseEnv({ ...base, FHIR_EXPORT_TOKEN: "t" })).toThrow(/FHIR_EXPORT_BASE_URL: required/);
    expect(() => parseEnv({ ...base, FHIR_EXPORT_BASE_URL: "not a url", FHIR_EXPORT_TOKEN: "t" })).toThrow(/FHIR_EXPORT_BASE_URL: must be the FHIR R4 base URL/);
    expect(parseEnv({ ...base, FHIR_EXPORT_BASE_URL: "https://fhir.example.org/r4", FHIR_EXPORT_TOKEN: "t" }).FHIR_EXPORT_BASE_URL).toBe("https://fhir.example.org/r4");
  });
});
