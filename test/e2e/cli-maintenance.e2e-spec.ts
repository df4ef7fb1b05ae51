import { join } from 'node:path';
import mongoose from 'mongoose';
import { bearer, makeStaff, makeUser } from '../factories/users';
import { exampleEnv, ROOT, testDatabaseUri, useTestApp } from '../support/app';
import { spawnProcess } from '../support/processes';

/**
 * The maintenance commands: `npm run cli -- restore <file> [--force]` (a backup archive of the API
 * loaded into another database) and `npm run cli -- rebuild-rollups`.
 */

const CLI_JS = join(ROOT, 'dist', 'apps', 'api', 'src', 'cli.js');
const t = useTestApp();

async function cli(args: string[], uri: string): Promise<{ code: number | null; output: string }> {
  const spawned = spawnProcess(process.execPath, [CLI_JS, ...args], {
    ...exampleEnv(),
    NODE_ENV: 'test',
    LOG_FORMAT: 'json',
    MONGODB_URI: uri,
    DATA_DIR: t.config.database.dataDir,
  });
  const { code } = await spawned.exit;
  return { code, output: spawned.output.join('\n') };
}

async function documentsIn(uri: string, collection = 'users'): Promise<string[]> {
  const connection = await mongoose.createConnection(uri).asPromise();
  try {
    const documents = await connection.collection(collection).find({}).sort({ _id: 1 }).toArray();
    return documents.map((document) => JSON.stringify(document));
  } finally {
    await connection.close();
  }
}
const usersIn = (uri: string) => documentsIn(uri, 'users');

it('loads an archive into an empty database, refuses a non-empty one unless --force', async () => {
  const admin = await makeStaff(t, 'admin');
  await makeUser(t);
  const res = await t.request({ method: 'POST', url: '/api/admin/system/backup', headers: bearer(admin.token) });
  expect(res.status).toBe(201);
  const file = join(t.config.backupDir, res.body.data.name as string);

  const target = testDatabaseUri();
  const restored = await cli(['restore', file], target);
  expect(restored.code).toBe(0);
  expect(restored.output).toMatch(/restored .*: .*users \d+/);
  expect(await usersIn(target)).toEqual(await usersIn(t.config.database.uri!));

  const refused = await cli(['restore', file], target);
  expect(refused.code).toBe(1);
  expect(refused.output).toContain('restore refused');
  expect((await cli(['restore', file, '--force'], target)).code).toBe(0);
  expect(await usersIn(target)).toEqual(await usersIn(t.config.database.uri!));
});

it('answers bad arguments with the usage (exit 2) and a missing file with exit 1', async () => {
  const uri = testDatabaseUri();
  const none = await cli(['restore'], uri);
  expect(none.code).toBe(2);
  expect(none.output).toContain('restore <file> [--force]');
  const missing = await cli(['restore', join(t.config.backupDir, 'no-such-archive.ejson.gz')], uri);
  expect(missing.code).toBe(1);
  expect(missing.output).toContain('restore failed');
});

it('rebuild-rollups recomputes the rollups the API keeps as things happen', async () => {
  await makeUser(t);
  await makeUser(t);
  const uri = t.config.database.uri!;
  // The time buckets' counters (the rings of latest items keep event times, the rebuild creation times).
  const buckets = async () =>
    (await documentsIn(uri, 'analytics_rollups')).filter((doc) =>
      /"_id":"(hours|days|hours-detail|days-detail|week|month):/.test(doc),
    );
  // Rollups are kept by event subscribers after the response: wait until every sign-up is counted.
  const connection = await t.db();
  const accounts = await connection.collection('users').countDocuments();
  const counted = async () =>
    (
      (await connection.collection('analytics_rollups').findOne({ _id: 'total' as never })) as {
        signUps?: number;
      } | null
    )?.signUps;
  for (let tries = 0; (await counted()) !== accounts && tries < 50; tries += 1) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const kept = await buckets();
  expect(kept.length).toBeGreaterThan(0);
  await connection.collection('analytics_rollups').deleteMany({});

  const rebuilt = await cli(['rebuild-rollups'], uri);
  expect(rebuilt.code).toBe(0);
  expect(rebuilt.output).toMatch(/rollups rebuilt: \{"users":\d+/);
  expect(await buckets()).toEqual(kept);
});
