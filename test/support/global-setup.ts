import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedDb } from '../../apps/api/src/core/database/embedded-db';

/** One embedded database for the whole e2e run; each test file uses its own database name in it. */
export default async function globalSetup(): Promise<void> {
  if (process.env.TEST_MONGODB_URI) return; // a MongoDB given from outside
  const dataDir = mkdtempSync(join(tmpdir(), 'vc-e2e-'));
  const log = { info: (m: string) => process.stderr.write(`${m}\n`), warn: () => undefined };
  const db = await startEmbeddedDb({ dataDir, port: 0, log });
  process.env.TEST_MONGODB_URI = db.uri;
  process.env.TEST_DATA_DIR = dataDir;
  (globalThis as Record<string, unknown>).__EMBEDDED_DB__ = db;
}
