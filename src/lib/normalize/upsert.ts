import { eq, getTableColumns, getTableName, sql, type SQL } from "drizzle-orm";
import type { PgColumn, PgTable } from "drizzle-orm/pg-core";
import type { DbOrTx } from "@/lib/db";
import { activities, dailySummaries, measurements, rawRecords, sleepSessions, users } from "@/lib/db/schema";
import { datesOf, markDirty } from "@/lib/reconcile/dirty";
import { isTimeZone, localDateAt, zoneOffsetMinutes } from "./dates";
import type { MeasurementRow, NormalizedBatch, TableCounts } from "./types";

/**
 * Idempotent batched upserts of normalized rows, shared by every source (provider sync, webhooks,
 * phone bridges). One multi-row `INSERT … SELECT … FROM unnest(<one array per column>) ON CONFLICT
 * (natural key) DO UPDATE … WHERE <changed>` per chunk; `RETURNING (xmax = 0)` tells inserted from
 * updated rows, and rows the WHERE skipped are the unchanged ones (PostgreSQL returns nothing for
 * them). Works the same on PG 15 and PGlite. Arrays instead of a VALUES list: one bind parameter per
 * column instead of per value (no 65535-parameter ceiling) and ~3× faster than drizzle's VALUES.
 *
 * - `user_id` always comes from the argument; a `userId` smuggled into a row object is ignored.
 * - Repeated natural keys inside one call: the last row wins (PostgreSQL refuses to touch one row
 *   twice in a statement); counts are per distinct key.
 * - `daily_summary` merges: several sources for one (user, provider, date) fill one row; a non-null
 *   incoming column wins, a null one keeps the stored value, `raw` is merged per top-level key.
 * - Other tables are replaced column by column (the normalized row is the whole truth).
 */

export type UpsertCounts = {
  activity: TableCounts;
  sleep_session: TableCounts;
  daily_summary: TableCounts;
  measurement: TableCounts;
  raw_record: TableCounts;
};

export type UpsertTable = keyof UpsertCounts;

export const zeroCounts = (): TableCounts => ({ inserted: 0, updated: 0, unchanged: 0 });

export const emptyUpsertCounts = (): UpsertCounts => ({
  activity: zeroCounts(),
  sleep_session: zeroCounts(),
  daily_summary: zeroCounts(),
  measurement: zeroCounts(),
  raw_record: zeroCounts(),
});

/** Adds `b` into `a` (mutates and returns `a`). */
export function addCounts(a: UpsertCounts, b: UpsertCounts): UpsertCounts {
  for (const table of Object.keys(a) as UpsertTable[]) {
    a[table].inserted += b[table].inserted;
    a[table].updated += b[table].updated;
    a[table].unchanged += b[table].unchanged;
  }
  return a;
}

/**
 * Rows per statement. Values travel as one array parameter per column (`unnest`), so the bind
 * parameter limit (65535) is never the bound; statement size is, hence a row and a byte cap.
 */
export const CHUNK_ROWS = 10_000;
const CHUNK_BYTES = 16 * 1024 * 1024;

type Spec = {
  table: PgTable;
  /** Natural key without user_id (user_id is always the first key column). */
  key: string[];
  merge: boolean;
  /** Columns the upsert never writes from a row. */
  skip: string[];
};

const SPECS: Record<UpsertTable, Spec> = {
  activity: { table: activities, key: ["provider", "externalId"], merge: false, skip: [] },
  sleep_session: { table: sleepSessions, key: ["provider", "externalId"], merge: false, skip: [] },
  daily_summary: { table: dailySummaries, key: ["provider", "date"], merge: true, skip: [] },
  measurement: { table: measurements, key: ["provider", "type", "measuredAt", "source"], merge: false, skip: [] },
  raw_record: { table: rawRecords, key: ["provider", "resource", "externalId"], merge: false, skip: ["fetchedAt"] },
};

const BATCH_TABLES: Array<[keyof NormalizedBatch, UpsertTable]> = [
  ["activities", "activity"],
  ["sleepSessions", "sleep_session"],
  ["dailySummaries", "daily_summary"],
  ["measurements", "measurement"],
  ["raw", "raw_record"],
];

/**
 * Upserts every table of the batch for `userId` and marks the local days it touched for the
 * reconciled record (src/lib/reconcile). Measurements without a local day (the source gave no
 * offset) get one from the user's home time zone. Run it inside a transaction for all-or-nothing.
 */
export async function upsertBatch(
  db: DbOrTx,
  userId: string,
  batch: Partial<NormalizedBatch>,
  /** Bulk writes through COPY (PostgreSQL only, see CopyStage); null: one statement per chunk. */
  stage: CopyStage | null = null,
): Promise<UpsertCounts> {
  const counts = emptyUpsertCounts();
  if (batch.measurements?.some((m) => !m.localDate)) await placeInHomeZone(db, userId, batch.measurements);
  for (const [field, table] of BATCH_TABLES) {
    const rows = batch[field] as Record<string, unknown>[] | undefined;
    if (rows?.length) counts[table] = stage ? await stage.upsert(table, userId, rows) : await upsertRows(db, table, userId, rows);
  }
  await markDirty(db, userId, datesOf(batch));
  return counts;
}

async function placeInHomeZone(db: DbOrTx, userId: string, rows: MeasurementRow[]): Promise<void> {
  const [user] = await db.select({ timeZone: users.timeZone }).from(users).where(eq(users.id, userId));
  const zone = user && isTimeZone(user.timeZone) ? user.timeZone : "UTC";
  for (const m of rows) {
    if (m.localDate) continue;
    // utc_offset_minutes stays null: the day came from the home zone and follows it if that changes.
    m.localDate = localDateAt(m.measuredAt, zoneOffsetMinutes(zone, m.measuredAt));
  }
}

type Plan = {
  spec: Spec;
  columns: Array<{ key: string; column: PgColumn; sqlType: string; jsonEmpty: boolean }>;
  /** The upsert of the rows `source` yields (one column per entry of `columns`, in order). */
  statement: (source: SQL, userId: string) => SQL;
  /** `FROM unnest(<one array literal per column>)`. */
  unnest: (arrays: string[]) => SQL;
};

const plans = new Map<UpsertTable, Plan>();

function planFor(table: UpsertTable): Plan {
  const cached = plans.get(table);
  if (cached) return cached;
  const spec = SPECS[table];
  const all = getTableColumns(spec.table) as Record<string, PgColumn>;
  const columns = Object.keys(all)
    .filter((k) => !["id", "userId", "createdAt", "updatedAt", ...spec.skip].includes(k))
    .map((key) => {
      const column = all[key];
      const sqlType = column.getSQLType();
      // A NOT NULL jsonb with a default (`raw`) takes '{}' for a missing value.
      return { key, column, sqlType, jsonEmpty: sqlType === "jsonb" && column.notNull && column.hasDefault };
    });
  const name = (c: PgColumn) => sql.raw(`"${c.name}"`);
  const tableName = sql.raw(`"${getTableName(spec.table)}"`);
  const target = [all.userId, ...spec.key.map((k) => all[k])];
  const data = columns.filter((c) => !spec.key.includes(c.key));

  const excluded = (c: PgColumn) => sql.raw(`excluded."${c.name}"`);
  const current = (c: PgColumn) => sql.raw(`"${getTableName(spec.table)}"."${c.name}"`);
  const sets: SQL[] = [];
  const before: SQL[] = [];
  const after: SQL[] = [];
  for (const { column } of data) {
    let value: SQL;
    if (!spec.merge) value = excluded(column);
    else if (column.name === "raw") value = sql`${current(column)} || ${excluded(column)}`;
    else value = sql`COALESCE(${excluded(column)}, ${current(column)})`;
    sets.push(sql`${name(column)} = ${value}`);
    before.push(current(column));
    after.push(value);
  }
  if ("updatedAt" in all) sets.push(sql`"updated_at" = now()`);
  if (spec.skip.includes("fetchedAt")) sets.push(sql`"fetched_at" = now()`);

  const unnest = (arrays: string[]) =>
    sql`unnest(${sql.join(
      arrays.map((a, i) => sql`${a}::${sql.raw(columns[i].sqlType)}[]`),
      sql`, `,
    )})`;
  const statement = (source: SQL, userId: string) => sql`
    WITH written AS (
      INSERT INTO ${tableName} ("user_id", ${sql.join(columns.map((c) => name(c.column)), sql`, `)})
      SELECT ${userId}::uuid, u.* FROM ${source} AS u
      ON CONFLICT (${sql.join(target.map(name), sql`, `)}) DO UPDATE SET ${sql.join(sets, sql`, `)}
      WHERE (${sql.join(before, sql`, `)}) IS DISTINCT FROM (${sql.join(after, sql`, `)})
      RETURNING (xmax = 0) AS inserted
    )
    SELECT count(*) FILTER (WHERE inserted)::int AS inserted, count(*)::int AS written FROM written`;
  const plan = { spec, columns, statement, unnest };
  plans.set(table, plan);
  return plan;
}

/** Upserts rows of one table for `userId`, in chunks of at most CHUNK_ROWS rows. */
export async function upsertRows(
  db: DbOrTx,
  table: UpsertTable,
  userId: string,
  rows: Record<string, unknown>[],
): Promise<TableCounts> {
  const plan = planFor(table);
  const unique = dedupe(rows, plan.spec.key);
  const counts = zeroCounts();
  let start = 0;
  while (start < unique.length) {
    // One PostgreSQL array literal per column.
    const cols = plan.columns.map(() => [] as string[]);
    let bytes = 0;
    let end = start;
    while (end < unique.length && end - start < CHUNK_ROWS && bytes < CHUNK_BYTES) {
      const row = unique[end++];
      plan.columns.forEach((c, i) => {
        const element = arrayElement(row[c.key], c.sqlType, c.jsonEmpty);
        bytes += element.length;
        cols[i].push(element);
      });
    }
    const arrays = cols.map((elements) => `{${elements.join(",")}}`);
    addWritten(counts, end - start, await db.execute(plan.statement(plan.unnest(arrays), userId)));
    start = end;
  }
  return counts;
}

/** Adds the result of `plan.statement` for `rows` distinct rows into `counts`. */
function addWritten(counts: TableCounts, rows: number, result: unknown): void {
  const [{ inserted, written }] = (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as Array<{
    inserted: number;
    written: number;
  }>;
  counts.inserted += Number(inserted);
  counts.updated += Number(written) - Number(inserted);
  counts.unchanged += rows - Number(written);
}

/** The postgres.js connection behind a drizzle transaction; undefined on PGlite (no COPY FROM STDIN there). */
type CopyClient = { unsafe(query: string): { writable(): Promise<NodeJS.WritableStream> } };

/**
 * Bulk upserts for one PostgreSQL transaction (issue 17): the rows travel as `COPY … FROM STDIN`
 * text into a temporary table (no WAL, no index, no constraint: COPY's own cost) and are merged
 * with the same `INSERT … SELECT … ON CONFLICT DO UPDATE … WHERE <changed>` as `upsertRows`, so
 * the semantics and counts are identical; only the way in differs — no array literals to build,
 * no statement text to parse, no bind parameter megabytes. The temp table lives until the
 * transaction ends (ON COMMIT DROP), so a pooled connection carries nothing over.
 *
 * PGlite has no COPY FROM STDIN: `CopyStage.of` answers null there and the caller keeps
 * `upsertRows` (correct, slower; PGlite serves one household).
 *
 * The referential guarantee is still measurement's foreign key to user, checked per inserted row
 * (a re-send inserts nothing, so pays nothing). Measured on a year of minute heart rate it is about
 * a fifth of the merge's PostgreSQL CPU for a new body; COPY into the same table pays it as well.
 * The cheaper form — no FK, the user row locked FOR KEY SHARE once per request in every writer, and
 * a trigger for ON DELETE CASCADE — is a schema change this change does not make (issue 17).
 */
export class CopyStage {
  private readonly staged = new Set<UpsertTable>();

  private constructor(
    private readonly db: DbOrTx,
    private readonly client: CopyClient,
    private readonly distinct: ReadonlySet<UpsertTable>,
  ) {}

  /**
   * A stage for `tx` when it runs on postgres.js, else null. `distinct`: tables whose rows the
   * caller already keeps one per natural key (the ingest Collector does for measurements), so the
   * per-row dedupe is skipped — it cost a quarter of Node's time on a year of heart rate.
   */
  static of(tx: DbOrTx, opts: { distinct?: UpsertTable[] } = {}): CopyStage | null {
    // drizzle keeps the transaction's postgres.js connection on its session (not a public API).
    const client = (tx as unknown as { session?: { client?: Partial<CopyClient> } }).session?.client;
    if (typeof client?.unsafe !== "function" || "query" in client) return null;
    return new CopyStage(tx, client as CopyClient, new Set(opts.distinct));
  }

  async upsert(table: UpsertTable, userId: string, rows: Record<string, unknown>[]): Promise<TableCounts> {
    const plan = planFor(table);
    const unique = this.distinct.has(table) ? rows : dedupe(rows, plan.spec.key);
    const stage = `stage_${table}`;
    if (!this.staged.has(table)) {
      const names = plan.columns.map((c) => `"${c.column.name}"`).join(", ");
      await this.db.execute(
        sql.raw(`CREATE TEMP TABLE ${stage} ON COMMIT DROP AS SELECT ${names} FROM "${getTableName(plan.spec.table)}" WITH NO DATA`),
      );
      this.staged.add(table);
    } else await this.db.execute(sql.raw(`TRUNCATE ${stage}`));
    await copyInto(await this.client.unsafe(`COPY ${stage} FROM STDIN`).writable(), plan, unique);
    const counts = zeroCounts();
    addWritten(counts, unique.length, await this.db.execute(plan.statement(sql.raw(stage), userId)));
    return counts;
  }
}

/** Streams `rows` as COPY text (tab-separated, `\N` for null) in pieces of about 256 KB. */
async function copyInto(writable: NodeJS.WritableStream, plan: Plan, rows: Record<string, unknown>[]): Promise<void> {
  const done = new Promise<void>((resolve, reject) => {
    writable.on("finish", resolve);
    writable.on("error", reject);
  });
  const columns = plan.columns;
  const last = columns.length - 1;
  let buf = "";
  for (const row of rows) {
    for (let i = 0; i < last; i++) buf += copyField(row[columns[i].key], columns[i].sqlType, columns[i].jsonEmpty) + "\t";
    buf += copyField(row[columns[last].key], columns[last].sqlType, columns[last].jsonEmpty) + "\n";
    if (buf.length >= 1 << 18) {
      if (!writable.write(buf)) await new Promise((r) => writable.once("drain", r));
      buf = "";
    }
  }
  writable.end(buf);
  await done;
}

const COPY_SPECIAL = /[\\\t\n\r]/;
const COPY_ESCAPES: Record<string, string> = { "\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r" };

/** One field of COPY's text format. */
function copyField(value: unknown, sqlType: string, jsonEmpty: boolean): string {
  if (value === undefined || value === null) return jsonEmpty ? "{}" : "\\N";
  let text: string;
  if (typeof value === "number") return String(value);
  if (value instanceof Date) return value.toISOString();
  if (typeof value === "boolean") return value ? "t" : "f";
  if (sqlType === "jsonb") text = JSON.stringify(value);
  else text = String(value);
  return COPY_SPECIAL.test(text) ? text.replace(/[\\\t\n\r]/g, (ch) => COPY_ESCAPES[ch]) : text;
}

/** A PostgreSQL array literal of `values` (cast it with `::<type>[]`). */
export function toPgArray(values: readonly unknown[], sqlType = "text"): string {
  return `{${values.map((v) => arrayElement(v, sqlType, false)).join(",")}}`;
}

/** One element of a PostgreSQL array literal (always quoted, so any text is safe). */
function arrayElement(value: unknown, sqlType: string, jsonEmpty: boolean): string {
  if (value === undefined || value === null) return jsonEmpty ? `"{}"` : "NULL";
  let text: string;
  if (value instanceof Date) text = value.toISOString();
  else if (sqlType === "jsonb") text = JSON.stringify(value);
  else if (typeof value === "boolean") text = value ? "t" : "f";
  else text = String(value);
  return `"${text.replace(/[\\"]/g, "\\$&")}"`;
}

function keyOf(row: Record<string, unknown>, key: string[]): string {
  // A plain loop: this runs once per row of every upsert.
  let out = "";
  for (let i = 0; i < key.length; i++) {
    const v = row[key[i]];
    out += (i ? "\u0000" : "") + (v instanceof Date ? String(v.getTime()) : String(v));
  }
  return out;
}

function dedupe(rows: Record<string, unknown>[], key: string[]): Record<string, unknown>[] {
  const byKey = new Map<string, Record<string, unknown>>();
  for (const row of rows) {
    const k = keyOf(row, key);
    byKey.delete(k); // keep the last occurrence's position
    byKey.set(k, row);
  }
  return byKey.size === rows.length ? rows : [...byKey.values()];
}
