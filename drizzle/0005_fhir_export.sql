CREATE TABLE "fhir_export" (
	"user_id" uuid PRIMARY KEY NOT NULL,
	"exported_through" timestamp with time zone,
	"pass_until" timestamp with time zone,
	"pass_after" jsonb,
	"created" integer DEFAULT 0 NOT NULL,
	"last_export_at" timestamp with time zone,
	"last_error" text,
	"failures" integer DEFAULT 0 NOT NULL,
	"retry_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "fhir_export" ADD CONSTRAINT "fhir_export_user_id_user_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."user"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "measurement_user_updated_idx" ON "measurement" USING btree ("user_id","updated_at");