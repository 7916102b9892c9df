import { defineConfig } from "drizzle-kit";

// Generation only needs the schema; migrations are applied by scripts/migrate.ts so that
// PGlite (no DATABASE_URL) and PostgreSQL use the same code path as the app.
export default defineConfig({
  dialect: "postgresql",
  schema: "./src/lib/db/schema.ts",
  out: "./drizzle",
});
