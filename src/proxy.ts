import { NextResponse, type NextRequest } from "next/server";
import { newNonce, securityHeaders } from "@/lib/security-headers";

/** Security headers with a per-request CSP nonce on every route (see src/lib/security-headers.ts). */
export function proxy(request: NextRequest) {
  const nonce = newNonce();
  const headers = securityHeaders({
    nonce,
    dev: process.env.NODE_ENV === "development",
    appUrl: process.env.APP_URL || "http://localhost:3000",
  });
  const requestHeaders = new Headers(request.headers);
  // Next.js takes the nonce for its own scripts from the request's CSP header.
  requestHeaders.set("x-nonce", nonce);
  requestHeaders.set("Content-Security-Policy", headers["Content-Security-Policy"]);
  const response = NextResponse.next({ request: { headers: requestHeaders } });
  for (const [name, value] of Object.entries(headers)) response.headers.set(name, value);
  return response;
}

export const config = {
  // Static build files get the fixed headers from next.config.mjs; everything else comes here.
  matcher: ["/((?!_next/static|_next/image|favicon.ico).*)"],
};
