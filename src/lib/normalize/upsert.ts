import { eq, getTableColumns, getTableName, sql, type SQL } from "drizzle-orm";
import type { PgColumn, PgTable } from "drizzle-orm/pg-core";
import type { DbOrTx } from "@/lib/db";
import { rowsOf } from "@/lib/db/rows";
import { activities, dailySummaries, measurements, rawRecords, sleepSessions, users } from "@/lib/db/schema";
import { datesOf, markDirty } from "@/lib/reconcile/dirty";
import { isoInstant, isTimeZone, localDateAt, zoneOffsetMinutes } from "./dates";
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

/** Adds one table's `b` into `a` (mutates `a`). */
export function addTableCounts(a: TableCounts, b: TableCounts): void {
  a.inserted += b.inserted;
  a.updated += b.updated;
  a.unchanged += b.unchanged;
}

/** Adds `b` into `a` (mutates and returns `a`). */
export function addCounts(a: UpsertCounts, b: UpsertCounts): UpsertCounts {
  for (const table of Object.keys(a) as UpsertTable[]) addTableCounts(a[table], b[table]);
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
  /**
   * The upsert of the rows `source` yields (one column per entry of `columns`, in order);
   * `skipEqual`: leave out rows equal to a stored one before ON CONFLICT sees (and locks) them.
   */
  statement: (source: SQL, userId: string, skipEqual?: boolean) => SQL;
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
  if (table === "measurement" && columns.map((c) => c.key).join() !== MEASUREMENT_COLUMNS.join())
    throw new Error(`measurementLine writes ${MEASUREMENT_COLUMNS.join()}, the table has ${columns.map((c) => c.key).join()}`);

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
  // Stored rows equal to the incoming ones, found by a probe of the natural key's unique index per
  // row (LATERAL … LIMIT 1 keeps it a nested loop whatever the statistics say); see CopyStage.
  const probe = (m: PgColumn) => sql.raw(`m."${m.name}"`);
  const incoming = (c: PgColumn) => sql.raw(`u."${c.name}"`);
  const keyMatch = spec.key.map((k) => all[k]).map((c) => (c.notNull ? sql`${probe(c)} = ${incoming(c)}` : sql`${probe(c)} IS NOT DISTINCT FROM ${incoming(c)}`));
  const equalStored = (userId: string) => sql`
      LEFT JOIN LATERAL (
        SELECT 1 AS hit FROM ${tableName} AS m
        WHERE m."user_id" = ${userId}::uuid AND ${sql.join(keyMatch, sql` AND `)}
          AND (${sql.join(data.map((c) => probe(c.column)), sql`, `)}) IS NOT DISTINCT FROM (${sql.join(data.map((c) => incoming(c.column)), sql`, `)})
        LIMIT 1
      ) AS same ON true
      WHERE same.hit IS NULL`;
  const statement = (source: SQL, userId: string, skipEqual = false) => sql`
    WITH written AS (
      INSERT INTO ${tableName} ("user_id", ${sql.join(columns.map((c) => name(c.column)), sql`, `)})
      SELECT ${userId}::uuid, u.* FROM ${source} AS u${skipEqual ? equalStored(userId) : sql``}
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
  const [{ inserted, written }] = rowsOf<{ inserted: number; written: number }>(result);
  counts.inserted += Number(inserted);
  counts.updated += Number(written) - Number(inserted);
  counts.unchanged += rows - Number(written);
}

/** The postgres.js connection behind a drizzle transaction; undefined on PGlite (no COPY FROM STDIN there). */
type CopyClient = { unsafe(query: string): { writable(): Promise<NodeJS.WritableStream> } };

/**
 * Savepoints one transaction may spend on direct COPYs. Beyond PostgreSQL's per-backend cache of 64
 * subtransactions, every other session's snapshot "overflows" and visibility checks go through
 * pg_subtrans; later segments take the staged merge instead (same result, more PostgreSQL CPU).
 */
const MAX_DIRECT_COPIES = 48;

/**
 * Measurements per segment (one COPY). Large, because each costs a few statements; cheap in memory,
 * because a segment is COPY text in Buffers (about 150 bytes a row), never row objects.
 */
export const SEGMENT_ROWS = 25_000;

/**
 * Buffers of COPY text, reused. A segment lives long enough for V8 to promote the Buffer objects
 * holding its text, and their memory came back only at the next full GC, which a request that
 * allocates little may never reach: a year of heart rate left ~40 MB of written segments waiting.
 * Reused chunks keep that memory at what is in flight (a few segments).
 */
const CHUNK_BYTES_POOLED = 128 * 1024;
const POOL_MAX = 128;
const pool: Buffer[] = [];

/**
 * COPY text gathered into Buffers: off the V8 heap, so the GC never copies or promotes it. Callers
 * add a few hundred lines at a time as one string, so the string (a tree of concatenations until
 * written) dies young too.
 */
class CopyText {
  private chunks: Buffer[] = [];
  private owned: Buffer[] = [];
  private current: Buffer | null = null;
  private used = 0;

  add(text: string): void {
    if (!text) return;
    const bytes = Buffer.byteLength(text);
    if (bytes > CHUNK_BYTES_POOLED) {
      this.cut();
      this.chunks.push(Buffer.from(text));
      return;
    }
    if (!this.current || this.used + bytes > CHUNK_BYTES_POOLED) {
      this.cut();
      this.current = pool.pop() ?? Buffer.allocUnsafeSlow(CHUNK_BYTES_POOLED);
      this.owned.push(this.current);
    }
    this.used += this.current.write(text, this.used);
  }

  /** `rows` as COPY lines, each after `prefix`, added a few hundred lines at a time. */
  addLines<R>(rows: readonly R[], prefix: string, line: (row: R) => string): void {
    let piece = "";
    for (const row of rows) {
      piece += prefix + line(row);
      if (piece.length >= 1 << 16) {
        this.add(piece);
        piece = "";
      }
    }
    this.add(piece);
  }

  finish(): Buffer[] {
    this.cut();
    return this.chunks;
  }

  /** Hands the chunks back for reuse; only once nothing can still read them (the COPY has ended). */
  release(): void {
    for (const b of this.owned) if (pool.length < POOL_MAX) pool.push(b);
    this.owned = [];
    this.chunks = [];
  }

  private cut(): void {
    if (this.current && this.used) this.chunks.push(this.current.subarray(0, this.used));
    this.current = null;
    this.used = 0;
  }
}

type Range = { provider: string; type: string; lo: number; hi: number };

/** Measurements of one user buffered for one COPY, distinct by natural key. */
export class Segment {
  readonly text = new CopyText();
  rows = 0;
  /** Time range per provider, type and source. */
  readonly ranges = new Map<string, Range>();
  readonly dates = new Set<string>();

  constructor(readonly userId: string) {}
}

function rangesOf(rows: MeasurementRow[]): Map<string, Range> {
  const ranges = new Map<string, Range>();
  let last: MeasurementRow | undefined;
  let range: Range | undefined;
  for (const r of rows) {
    const t = r.measuredAt.getTime();
    // Points come metric by metric: the previous row's range is almost always this one's.
    if (!last || !range || last.provider !== r.provider || last.type !== r.type || last.source !== r.source) {
      const k = `${r.provider}\u0000${r.type}\u0000${r.source ?? ""}`;
      range = ranges.get(k);
      if (!range) ranges.set(k, (range = { provider: r.provider, type: r.type, lo: t, hi: t }));
    }
    if (t < range.lo) range.lo = t;
    if (t > range.hi) range.hi = t;
    last = r;
  }
  return ranges;
}

/**
 * Bulk writes for one PostgreSQL transaction (issue 17).
 *
 * Measurements of a bridge body are gathered as COPY text into segments (MeasurementSegments),
 * each written by `writeSegment` one of two ways:
 *
 * - **Direct COPY**, when the user has no stored row of the segment's providers and types in its
 *   time ranges (one index probe per type): `COPY measurement FROM STDIN`, COPY's own cost, every
 *   row inserted. Inside a savepoint: if a concurrent writer inserted one of the keys meanwhile, the
 *   unique violation rolls back to it and the segment takes the merge.
 * - **Staged merge**: the same text is COPYed into a temporary table (no WAL, no index) and merged
 *   with the same `INSERT … SELECT … ON CONFLICT DO UPDATE … WHERE <changed>` as `upsertRows`, so
 *   semantics and counts are identical. Measurements equal to a stored row are left out first by a
 *   per-row probe of the unique index (LATERAL … LIMIT 1: a nested loop whatever the statistics
 *   say): ON CONFLICT would lock each of them (a WAL record per row) before its WHERE finds nothing
 *   to change — most of a re-send's cost. Other tables (`upsert`) always take this way.
 *
 * The temp tables live until the transaction ends (ON COMMIT DROP). PGlite has no COPY FROM STDIN:
 * `CopyStage.of` answers null there and the caller keeps `upsertRows` (correct, slower; PGlite
 * serves one household). The referential guarantee user_id → user is kept by statement-level
 * triggers (once per COPY or merge, not per row; drizzle/0008_measurement_user_triggers.sql).
 */
export class CopyStage {
  private readonly staged = new Set<UpsertTable>();
  private directCopies = 0;

  private constructor(
    private readonly db: DbOrTx,
    private readonly client: CopyClient,
    private readonly distinct: ReadonlySet<UpsertTable>,
  ) {}

  /** True when `db` runs on postgres.js (so a transaction of it has a stage). */
  static supported(db: DbOrTx): boolean {
    // drizzle keeps the postgres.js connection on its session (not a public API).
    const client = (db as unknown as { session?: { client?: Partial<CopyClient> } }).session?.client;
    return typeof client?.unsafe === "function" && !("query" in client);
  }

  /**
   * A stage for `tx` when it runs on postgres.js, else null. `distinct`: tables whose rows the
   * caller already keeps one per natural key (the ingest Collector does for measurements), so the
   * per-row dedupe is skipped — it cost a quarter of Node's time on a year of heart rate.
   */
  static of(tx: DbOrTx, opts: { distinct?: UpsertTable[] } = {}): CopyStage | null {
    if (!CopyStage.supported(tx)) return null;
    const client = (tx as unknown as { session: { client: CopyClient } }).session.client;
    return new CopyStage(tx, client, new Set(opts.distinct));
  }

  /** Writes a segment (direct COPY, else the staged merge) and marks its days for the reconciled record. */
  async writeSegment(seg: Segment): Promise<TableCounts> {
    const plan = planFor("measurement");
    const chunks = seg.text.finish();
    let counts: TableCounts | null = null;
    if (this.directCopies < MAX_DIRECT_COPIES && !(await this.stored(seg))) counts = await this.copyDirect(plan, chunks, seg.rows);
    counts ??= await this.merge(plan, "measurement", seg.userId, chunks, seg.rows);
    seg.text.release();
    await markDirty(this.db, seg.userId, seg.dates);
    return counts;
  }

  async upsert(table: UpsertTable, userId: string, rows: Record<string, unknown>[]): Promise<TableCounts> {
    const plan = planFor(table);
    const unique = this.distinct.has(table) ? rows : dedupe(rows, plan.spec.key);
    const text = new CopyText();
    text.addLines(unique, `${userId}\t`, lineOf(plan));
    const counts = await this.merge(plan, table, userId, text.finish(), unique.length);
    text.release();
    return counts;
  }

  private async merge(plan: Plan, table: UpsertTable, userId: string, chunks: Buffer[], rows: number): Promise<TableCounts> {
    const stage = `stage_${table}`;
    if (!this.staged.has(table)) {
      await this.db.execute(
        sql.raw(`CREATE TEMP TABLE ${stage} ON COMMIT DROP AS SELECT ${copyColumns(plan)} FROM "${getTableName(plan.spec.table)}" WITH NO DATA`),
      );
      this.staged.add(table);
    } else await this.db.execute(sql.raw(`TRUNCATE ${stage}`));
    await copyChunks(this.client, `COPY ${stage} FROM STDIN`, chunks);
    const counts = zeroCounts();
    // The stage's own user_id (the same argument) is left out: user_id always comes from `userId`.
    const source = sql.raw(`(SELECT ${plan.columns.map((c) => `"${c.column.name}"`).join(", ")} FROM ${stage})`);
    addWritten(counts, rows, await this.db.execute(plan.statement(source, userId, table === "measurement")));
    return counts;
  }

  /** True when the user has a stored measurement in one of the segment's ranges (any source). */
  private async stored(seg: Segment): Promise<boolean> {
    const list = [...seg.ranges.values()];
    const [{ stored }] = rowsOf<{ stored: boolean }>(
      await this.db.execute(sql`
        SELECT EXISTS (
          SELECT 1 FROM unnest(${toPgArray(list.map((r) => r.provider))}::text[], ${toPgArray(list.map((r) => r.type))}::text[],
                               ${toPgArray(list.map((r) => isoInstant(r.lo)))}::timestamptz[], ${toPgArray(list.map((r) => isoInstant(r.hi)))}::timestamptz[])
                 AS r(provider, type, lo, hi)
          WHERE EXISTS (SELECT 1 FROM measurement m WHERE m.user_id = ${seg.userId}::uuid AND m.type = r.type
                          AND m.measured_at BETWEEN r.lo AND r.hi AND m.provider = r.provider)) AS stored`),
    );
    return stored;
  }

  /** COPY straight into measurement; null when a concurrent writer's row made it fail (rolled back). */
  private async copyDirect(plan: Plan, chunks: Buffer[], rows: number): Promise<TableCounts | null> {
    this.directCopies++;
    await this.db.execute(sql.raw(`SAVEPOINT copy_direct`));
    try {
      await copyChunks(this.client, `COPY measurement (${copyColumns(plan)}) FROM STDIN`, chunks);
    } catch (err) {
      if ((err as { code?: string }).code !== "23505") throw err; // unique_violation: a concurrent writer got there first
      await this.db.execute(sql.raw(`ROLLBACK TO SAVEPOINT copy_direct`));
      await this.db.execute(sql.raw(`RELEASE SAVEPOINT copy_direct`));
      return null;
    }
    await this.db.execute(sql.raw(`RELEASE SAVEPOINT copy_direct`));
    return { inserted: rows, updated: 0, unchanged: 0 };
  }
}

/**
 * Measurements of a request gathered into segments of COPY text (see CopyStage): needs no
 * connection, so it can take rows before the request's transaction opens.
 */
export class MeasurementSegments {
  private segment: Segment | null = null;

  /**
   * Takes `rows` (distinct by natural key) into the open segment as COPY text, so the caller can
   * drop them; answers the segments now due for `writeSegment` (full, or closed because these rows
   * may repeat a key of it) and the rows it left to the caller (no local day yet: upsertBatch
   * places them in the home zone).
   */
  take(userId: string, rows: MeasurementRow[]): { sealed: Segment[]; rest: MeasurementRow[] } {
    const rest = rows.filter((r) => !r.localDate);
    const taken = rest.length ? rows.filter((r) => r.localDate) : rows;
    const sealed: Segment[] = [];
    if (!taken.length) return { sealed, rest };
    const ranges = rangesOf(taken);
    let seg = this.segment;
    if (seg && (seg.userId !== userId || overlapping(seg.ranges, ranges))) {
      sealed.push(seg);
      seg = null;
    }
    seg ??= new Segment(userId);
    seg.text.addLines(taken, `${userId}\t`, measurementLine);
    seg.rows += taken.length;
    for (const [k, r] of ranges) {
      const s = seg.ranges.get(k);
      if (!s) seg.ranges.set(k, r);
      else {
        s.lo = Math.min(s.lo, r.lo);
        s.hi = Math.max(s.hi, r.hi);
      }
    }
    for (const d of datesOf({ measurements: taken })) seg.dates.add(d);
    if (seg.rows >= SEGMENT_ROWS) {
      sealed.push(seg);
      seg = null;
    }
    this.segment = seg;
    return { sealed, rest };
  }

  /** The open segment, closed (null when empty): write it before reading what the request wrote. */
  seal(): Segment | null {
    const seg = this.segment;
    this.segment = null;
    return seg;
  }
}

function overlapping(a: Map<string, Range>, b: Map<string, Range>): boolean {
  for (const [k, r] of b) {
    const s = a.get(k);
    if (s && r.lo <= s.hi && r.hi >= s.lo) return true;
  }
  return false;
}

/**
 * Runs `COPY … FROM STDIN` with `chunks` as its data, minding backpressure. postgres.js reports an
 * error the server raises after the data has ended (a unique violation found while the last rows are
 * inserted, say) only by rejecting the query's promise — which already resolved with the stream —
 * and never ends the stream; so the rejection is taken over here (an internal of postgres.js 3.4)
 * rather than waiting forever.
 */
async function copyChunks(client: CopyClient, statement: string, chunks: Buffer[]): Promise<void> {
  const query = client.unsafe(statement) as ReturnType<CopyClient["unsafe"]> & { reject?: (err: unknown) => void };
  const writable = await query.writable();
  const done = new Promise<void>((resolve, reject) => {
    writable.on("finish", resolve);
    writable.on("error", reject);
    query.reject = reject;
  });
  for (const chunk of chunks) if (!writable.write(chunk)) await Promise.race([new Promise((r) => writable.once("drain", r)), done]);
  writable.end();
  await done;
}

/** The columns of a COPY line: user_id, then `plan.columns` in order. */
const copyColumns = (plan: Plan) => ["user_id", ...plan.columns.map((c) => c.column.name)].map((n) => `"${n}"`).join(", ");

/** The COPY line (without user_id) of a row of `plan`'s table. */
const lineOf = (plan: Plan): ((row: Record<string, unknown>) => string) =>
  plan.spec.table === measurements ? (row) => measurementLine(row as MeasurementRow) : genericLine(plan);

const genericLine = (plan: Plan) => {
  const columns = plan.columns;
  const last = columns.length - 1;
  return (row: Record<string, unknown>) => {
    let out = "";
    for (let i = 0; i < last; i++) out += copyField(row[columns[i].key], columns[i].sqlType, columns[i].jsonEmpty) + "\t";
    return out + copyField(row[columns[last].key], columns[last].sqlType, columns[last].jsonEmpty) + "\n";
  };
};

/** Short texts that repeat row after row (type, unit, source): escaped once. */
const escapedText = new Map<string, string>();
function copyText(text: string): string {
  let out = escapedText.get(text);
  if (out === undefined) {
    out = COPY_SPECIAL.test(text) ? text.replace(/[\\\t\n\r]/g, (ch) => COPY_ESCAPES[ch]) : text;
    if (text.length <= 64 && escapedText.size < 1000) escapedText.set(text, out);
  }
  return out;
}

/** The columns `measurementLine` writes, in order (planFor checks them against the table). */
const MEASUREMENT_COLUMNS = ["provider", "type", "measuredAt", "endAt", "localDate", "utcOffsetMinutes", "value", "unit", "source", "raw"];

/**
 * One measurement as a COPY line, columns in `planFor("measurement").columns` order (the hot path
 * of a bridge body: written out by hand, no per-field type dispatch).
 */
function measurementLine(m: MeasurementRow): string {
  const nul = "\\N";
  return (
    copyText(m.provider) +
    "\t" +
    copyText(m.type) +
    "\t" +
    isoInstant(m.measuredAt.getTime()) +
    "\t" +
    (m.endAt ? isoInstant(m.endAt.getTime()) : nul) +
    "\t" +
    (m.localDate ?? nul) +
    "\t" +
    (m.utcOffsetMinutes ?? nul) +
    "\t" +
    m.value +
    "\t" +
    copyText(m.unit) +
    "\t" +
    (m.source == null ? nul : copyText(m.source)) +
    "\t" +
    (m.raw == null ? nul : copyField(m.raw, "jsonb", false)) +
    "\n"
  );
}

const COPY_SPECIAL = /[\\\t\n\r]/;
const COPY_ESCAPES: Record<string, string> = { "\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r" };

/** One field of COPY's text format. */
function copyField(value: unknown, sqlType: string, jsonEmpty: boolean): string {
  if (value === undefined || value === null) return jsonEmpty ? "{}" : "\\N";
  let text: string;
  if (typeof value === "number") return String(value);
  if (value instanceof Date) return isoInstant(value.getTime());
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
  if (value instanceof Date) text = isoInstant(value.getTime());
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
