/**
 * The rows of a `db.execute` result: postgres.js answers an array, PGlite an object with `rows`.
 * `T` is what the statement selects (the caller's promise; nothing is checked).
 */
export function rowsOf<T = Record<string, unknown>>(result: unknown): T[] {
  return (Array.isArray(result) ? result : ((result as { rows?: T[] }).rows ?? [])) as T[];
}
