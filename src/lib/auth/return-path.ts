/**
 * Only paths on our own origin may be returned to after sign-in (no open redirects). The value is
 * resolved the way a browser would resolve it against APP_URL (which strips tab/CR/LF and turns `\`
 * into `/`, so `/\t/evil.example` is really `//evil.example`), and kept only when the result stays
 * on APP_URL's origin. What is returned is the normalized path, never the raw input.
 */
export function safeReturnPath(value: unknown, fallback = "/dashboard", appUrl = defaultAppUrl()): string {
  if (typeof value !== "string" || !value.startsWith("/") || value.length > 2048) return fallback;
  let base: URL;
  let resolved: URL;
  try {
    base = new URL(appUrl);
    resolved = new URL(value, base);
  } catch {
    return fallback;
  }
  if (resolved.origin !== base.origin) return fallback;
  const path = `${resolved.pathname}${resolved.search}${resolved.hash}`;
  // A path that itself starts with `//` would be protocol-relative wherever it is used next.
  return path.startsWith("//") ? fallback : path;
}

function defaultAppUrl(): string {
  return process.env.APP_URL || process.env.NEXTAUTH_URL || "http://localhost:3000";
}
