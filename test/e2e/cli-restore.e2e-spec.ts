import { join } from 'node:path';
import mongoose from 'mongoose';
import { bearer, makeStaff, makeUser } from '../factories/users';
import { exampleEnv, ROOT, testDatabaseUri, useTestApp } from '../support/app';
import { spawnProcess } from '../support/processes';

/** `npm run cli -- restore <file> [--force]`: a backup archive of the API loaded into another database. */

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

async function usersIn(uri: string): Promise<string[]> {
  const connection = await mongoose.createConnection(uri).asPromise();
  try {
    const users = await connection.collection('users').find({}).sort({ _id: 1 }).toArray();
    return users.map((user) => JSON.stringify(user));
  } finally {
    await connection.close();
  }
}

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
