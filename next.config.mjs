/** @type {import('next').NextConfig} */
const nextConfig = {
  // Our own dist dir per process lets the test build not fight a running `next dev`.
  distDir: process.env.NEXT_DIST_DIR || ".next",
  poweredByHeader: false,
  logging: {
    // `next dev` logs every server-action call with its arguments: the sign-up, password-change
    // and provider sign-in actions take passwords and API keys. Never print them.
    serverFunctions: false,
    // Request lines carry the query string: phone bridges may send their API key as `?key=`, and
    // OAuth callbacks carry `code`, `state` and OAuth 1.0a verifiers.
    // Beeminder returns its token in the callback query (beeminder.md B.2): access_token.
    incomingRequests: { ignore: [/[?&](key|code|state|oauth_token|oauth_verifier|token|access_token|password)=/i, /^\/api\/webhooks\//] },
    fetches: { fullUrl: false },
  },
  // Fixed security headers on every route, static files included (src/proxy.ts adds the CSP with
  // its nonce and HSTS; keep these in step with src/lib/security-headers.ts).
  async headers() {
    return [
      {
        source: "/:path*",
        headers: [
          { key: "X-Content-Type-Options", value: "nosniff" },
          { key: "Referrer-Policy", value: "strict-origin-when-cross-origin" },
          { key: "Permissions-Policy", value: "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()" },
          { key: "X-Frame-Options", value: "DENY" },
          { key: "Cross-Origin-Opener-Policy", value: "same-origin" },
        ],
      },
    ];
  },
};

export default nextConfig;
