import type { Db } from "./index";

/**
 * A drizzle prepared statement built once per database handle: for the reads every page issues,
 * whose query-builder cost showed against 1 ms pages. `build` runs on a handle's first use.
 */
export function preparedPerHandle<T>(build: (db: Db) => T): (db: Db) => T {
  const built = new WeakMap<Db, T>();
  return (db) => {
    let q = built.get(db);
    if (!q) built.set(db, (q = build(db)));
    return q;
  };
}
