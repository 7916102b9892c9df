/**
 * Security headers for every response. The CSP carries a fresh nonce per request (set by
 * src/proxy.ts): Next.js reads it from the request's CSP header and puts it on its own inline and
 * bundle scripts, so no inline script runs without it. Pages are rendered per request for that
 * (the root layout reads the request headers).
 */

export type HeaderOptions = { nonce: string; dev: boolean; appUrl: string };

export function contentSecurityPolicy({ nonce, dev, appUrl }: HeaderOptions): string {
  const https = appUrl.startsWith("https:");
  return [
    "default-src 'self'",
    // 'strict-dynamic': scripts loaded by a nonced script are trusted; dev's React refresh needs eval.
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${dev ? " 'unsafe-eval'" : ""}`,
    // React and Next set style attributes; styles cannot run code.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' blob: data:",
    "font-src 'self'",
    `connect-src 'self'${dev ? " ws: wss:" : ""}`,
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    ...(https ? ["upgrade-insecure-requests"] : []),
  ].join("; ");
}

/** Headers that do not depend on the request (also set by next.config for static files). */
export const STATIC_SECURITY_HEADERS: Record<string, string> = {
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "strict-origin-when-cross-origin",
  "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()",
  "X-Frame-Options": "DENY",
  "Cross-Origin-Opener-Policy": "same-origin",
};

export function securityHeaders(opts: HeaderOptions): Record<string, string> {
  return {
    "Content-Security-Policy": contentSecurityPolicy(opts),
    ...STATIC_SECURITY_HEADERS,
    // Only over https: on http, browsers ignore it anyway, and a localhost HSTS pin is a nuisance.
    ...(opts.appUrl.startsWith("https:") ? { "Strict-Transport-Security": "max-age=63072000; includeSubDomains" } : {}),
  };
}

export function newNonce(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return btoa(String.fromCharCode(...bytes));
}
