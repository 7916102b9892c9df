import type { Db } from "@/lib/db";
import type { ProviderConnection } from "@/lib/db/schema";
import { isProviderId, providers } from "@/lib/providers";
import { providerContext } from "@/lib/providers/shared/http";
import type { ProviderContext, TokenSet } from "@/lib/providers/types";
import { ConnectionUnavailableError } from "./errors";
import { oauth1Context } from "./oauth1";
import { tokensFromRow } from "./store";
import { getValidTokens } from "./tokens";

/** Credentials for calls made on the user's behalf: OAuth 1.0a rows sign with the consumer, OAuth 2.0 rows get a fresh token. */
export async function callCredentials(db: Db, conn: ProviderConnection): Promise<{ ctx: ProviderContext; tokens: TokenSet }> {
  if (!isProviderId(conn.provider)) throw new Error(`unknown provider ${conn.provider}`);
  const def = providers[conn.provider];
  if (conn.authKind === "oauth1") {
    if (conn.status !== "active") throw new ConnectionUnavailableError(conn.id, conn.status, conn.lastError);
    return { ctx: oauth1Context(def, conn.userId).ctx, tokens: tokensFromRow(conn) };
  }
  const { accessToken, connection } = await getValidTokens(db, conn.id);
  return { ctx: providerContext(def, { userId: conn.userId }), tokens: { ...tokensFromRow(connection), accessToken } };
}
