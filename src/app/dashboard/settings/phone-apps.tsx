import { listApiKeys } from "@/lib/api-keys";
import { getSessionUser } from "@/lib/auth/session";
import { getDb } from "@/lib/db";
import { env } from "@/lib/env";
import { PhoneAppsPanel } from "./phone-apps-panel";

/**
 * Settings → "Phone apps": API keys for the phone bridges (Health Auto Export on iPhone, Health
 * Connect apps on Android) and copy-paste setup steps filled in with this server's URL.
 * Server component; the interactive part is PhoneAppsPanel.
 */
export async function PhoneApps() {
  const user = await getSessionUser();
  if (!user) return null;
  const keys = await listApiKeys(await getDb(), user.id);
  const ingestUrl = new URL("/api/webhooks/ingest", env().APP_URL).toString();
  return (
    <PhoneAppsPanel
      ingestUrl={ingestUrl}
      keys={keys.map((k) => ({
        id: k.id,
        name: k.name,
        prefix: k.prefix,
        createdAt: k.createdAt.toISOString(),
        lastUsedAt: k.lastUsedAt?.toISOString() ?? null,
      }))}
    />
  );
}
