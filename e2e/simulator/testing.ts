import { createHash, randomBytes } from "node:crypto";

/**
 * Helpers for driving the simulator over HTTP the way a browser would (tests only): load the
 * consent page, submit its real form, and read where the provider redirects.
 */

export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString("base64url");
  return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url") };
}

/** Response JSON in tests is asserted field by field; a loose type keeps those assertions short. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type LooseJson = any;

export type TestResponse = { status: number; headers: Headers; json: LooseJson; text: string };

export function pkceParams(challenge: string): Record<string, string> {
  return { code_challenge: challenge, code_challenge_method: "S256" };
}

export function basicAuth(id: string, secret: string): string {
  const enc = (s: string) => encodeURIComponent(s).replace(/%20/g, "+");
  return `Basic ${Buffer.from(`${enc(id)}:${enc(secret)}`).toString("base64")}`;
}

/** The simulator URL for a real provider URL (the app's PROVIDER_ORIGIN_OVERRIDE rewrite). */
export function simUrl(base: string, realUrl: string): string {
  const u = new URL(realUrl);
  return `${base}/${u.host}${u.pathname}${u.search}`;
}

const unescape = (s: string) =>
  s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");

/** The consent form's action and the fields a browser would submit (hidden + checked boxes). */
export function parseConsentForm(html: string): { action: string; fields: URLSearchParams } {
  const action = /<form method="post" action="([^"]+)">/.exec(html)?.[1];
  if (!action) throw new Error("no consent form on the page");
  const fields = new URLSearchParams();
  for (const m of html.matchAll(/<input type="(hidden|checkbox)" name="([^"]+)" value="([^"]*)"( checked)?>/g)) {
    if (m[1] === "hidden" || m[4]) fields.append(unescape(m[2]), unescape(m[3]));
  }
  return { action: unescape(action), fields };
}

export type AuthorizeOutcome = {
  /** Status of the consent page (200) or of the error page. */
  pageStatus: number;
  html: string;
  /** Where the provider redirected after the decision (null when the page was an error). */
  location: URL | null;
};

/**
 * GET the authorize URL (a REAL provider URL), then submit the consent form as `account` with
 * `decision`, optionally unticking some scopes.
 */
export async function authorize(
  base: string,
  realAuthorizeUrl: string,
  opts: { account?: string; decision?: "approve" | "deny"; untick?: string[] } = {},
): Promise<AuthorizeOutcome> {
  const res = await fetch(simUrl(base, realAuthorizeUrl), { redirect: "manual" });
  const html = await res.text();
  if (res.status !== 200) return { pageStatus: res.status, html, location: null };
  const { action, fields } = parseConsentForm(html);
  const kept = new URLSearchParams([...fields].filter(([k, v]) => !(k === "grant_scope" && opts.untick?.includes(v))));
  kept.set("account", opts.account ?? "athlete-1");
  kept.set("decision", opts.decision ?? "approve");
  const post = await fetch(`${base}${action}`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: kept.toString(),
    redirect: "manual",
  });
  const location = post.headers.get("location");
  return { pageStatus: res.status, html: location ? html : await post.text(), location: location ? new URL(location) : null };
}

/** POST a form (x-www-form-urlencoded) to a REAL provider URL through the simulator. */
export async function postForm(
  base: string,
  realUrl: string,
  form: Record<string, string | undefined>,
  headers: Record<string, string> = {},
): Promise<TestResponse> {
  const body = new URLSearchParams(Object.entries(form).filter((e): e is [string, string] => e[1] !== undefined));
  const res = await fetch(simUrl(base, realUrl), {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    body: body.toString(),
  });
  return readResponse(res);
}

export async function call(
  base: string,
  realUrl: string,
  init: { method?: string; token?: string; headers?: Record<string, string>; json?: unknown } = {},
): Promise<TestResponse> {
  const headers: Record<string, string> = { ...init.headers };
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  if (init.json !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(simUrl(base, realUrl), {
    method: init.method ?? "GET",
    headers,
    body: init.json !== undefined ? JSON.stringify(init.json) : undefined,
  });
  return readResponse(res);
}

async function readResponse(res: Response): Promise<TestResponse> {
  const text = await res.text();
  let json: unknown = undefined;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, json, text };
}
