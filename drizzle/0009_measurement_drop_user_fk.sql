ALTER TABLE "measurement" DROP CONSTRAINT "measurement_user_id_user_id_fk";
