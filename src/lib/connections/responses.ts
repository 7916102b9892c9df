import { providerName } from "@/lib/providers";
import {
  InvalidGrantError,
  ProviderNotConfiguredError,
  ProviderRequestError,
  TransientProviderError,
  safeReason,
} from "@/lib/providers/shared/errors";
import { AccountLinkedElsewhereError, NotOAuthProviderError, ProviderDeniedError, RetiredProviderError } from "./errors";

/** Responses shared by the OAuth route handlers. The settings page prefixes messages with the provider's name. */

const noStore = { "Cache-Control": "no-store" };

/** 302 to a same-origin path (relative Location) or an absolute provider url. */
export function redirectTo(location: string): Response {
  return new Response(null, { status: 302, headers: { Location: location, ...noStore } });
}

export function settingsUrl(provider: string, params: Record<string, string>): string {
  return `/dashboard/settings?${new URLSearchParams({ provider, ...params })}`;
}

export function plainText(status: number, message: string): Response {
  return new Response(`${message}\n`, { status, headers: { "Content-Type": "text/plain; charset=utf-8", ...noStore } });
}

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

/** A small standalone HTML page for errors shown to the browser (e.g. a bad OAuth state). */
export function htmlError(status: number, title: string, message: string): Response {
  const body = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Healthbridge</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 36rem; margin: 4rem auto; padding: 0 1rem; line-height: 1.5">
<h1>${escapeHtml(title)}</h1>
<p role="alert">${escapeHtml(message)}</p>
<p><a href="/dashboard/settings">Back to Settings</a></p>
</body></html>`;
  return new Response(body, { status, headers: { "Content-Type": "text/html; charset=utf-8", ...noStore } });
}


/**
 * The user-facing message for a failed connect, or undefined for errors that are bugs (rethrow).
 * Never includes tokens or codes: provider text has been through safeReason already.
 */
export function connectErrorMessage(error: unknown): string | undefined {
  if (error instanceof ProviderNotConfiguredError) {
    return `Not configured on this server: set ${error.missing.join(" and ")} (see .env.providers.example).`;
  }
  if (error instanceof NotOAuthProviderError || error instanceof RetiredProviderError) return error.message;
  if (error instanceof ProviderDeniedError) return error.reason;
  if (error instanceof AccountLinkedElsewhereError) return error.message;
  if (error instanceof InvalidGrantError) {
    return `${providerName(error.provider)} did not accept the authorization (${error.reason}). Please connect again.`;
  }
  if (error instanceof TransientProviderError) {
    return `${providerName(error.provider)} is not responding properly right now. Please try again in a moment.`;
  }
  // Our messages start "<provider>: "; the settings page already names the provider.
  if (error instanceof ProviderRequestError) return safeReason(error.message.replace(/^[a-z_]+: /, ""));
  return undefined;
}

/** The provider id every connect error carries. */
export function errorProvider(error: unknown): string | undefined {
  const provider = (error as { provider?: unknown } | null)?.provider;
  return typeof provider === "string" ? provider : undefined;
}
