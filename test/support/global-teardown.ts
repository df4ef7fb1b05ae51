import { rmSync } from 'node:fs';
import { EmbeddedDb } from '../../apps/api/src/core/database/embedded-db';

export default async function globalTeardown(): Promise<void> {
  const db = (globalThis as Record<string, unknown>).__EMBEDDED_DB__ as EmbeddedDb | undefined;
  if (!db) return;
  await db.stop();
  if (process.env.TEST_DATA_DIR) rmSync(process.env.TEST_DATA_DIR, { recursive: true, force: true });
}
