-- AlterTable
ALTER TABLE "messages" ADD COLUMN "edit_version" INTEGER NOT NULL DEFAULT 0;
