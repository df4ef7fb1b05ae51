import { statSync } from 'node:fs';
import { join } from 'node:path';
import mongoose, { Connection, mongo, Types } from 'mongoose';
import { restoreArchive, RestoreRefused } from '../../apps/api/src/modules/admin/system';
import { makeCall } from '../factories/calls';
import { bearer, makeStaff, makeUser, RegisteredUser } from '../factories/users';
import { randomIp, testDatabaseUri, useTestApp } from '../support/app';

// One staff account makes every admin request of this file: the admin limit (50 a minute across admin
// routes, proved in rate-limit and security-limits) is raised so it never decides a test here.
const t = useTestApp({ env: { THROTTLE_ADMIN_LIMIT: '1000' } });
const { EJSON } = mongo.BSON;
let admin: RegisteredUser;
const fresh: Connection[] = [];

beforeAll(async () => {
  admin = await makeStaff(t, 'admin');
  const host = await makeUser(t);
  const call = await makeCall(t, host);
  await t.request({
    method: 'POST',
    url: `/api/calls/${call.id}/chat`,
    headers: bearer(host.token),
    body: { message: 'hello', messageType: 'text' },
  });
  // Types a JSON backup would lose: ObjectId, Date, 64-bit integers, doubles, binary, nested arrays.
  const db = await t.db();
  await db.collection('type_probe').insertOne({
    _id: new Types.ObjectId(),
    at: new Date('2026-03-04T05:06:07.089Z'),
    long: mongo.Long.fromString('9007199254740993'),
    double: new mongo.Double(2),
    int: 7,
    bytes: new mongo.Binary(Buffer.from([0, 1, 2, 255])),
    nested: { ids: [new Types.ObjectId(), new Types.ObjectId()], empty: {}, none: null },
  });
});

afterAll(async () => {
  await Promise.all(fresh.map((c) => c.dropDatabase().then(() => c.close())));
});

async function freshDatabase(): Promise<mongo.Db> {
  const connection = await mongoose.createConnection(testDatabaseUri()).asPromise();
  fresh.push(connection);
  return connection.db!;
}

async function backup() {
  const res = await t.request({
    method: 'POST',
    url: '/api/admin/system/backup',
    headers: bearer(admin.token),
    remoteAddress: randomIp(),
  });
  expect(res.status).toBe(201);
  return {
    ...res.body.data,
    path: join(t.config.backupDir, res.body.data.name),
    requestId: res.headers['x-request-id'],
  };
}

/** Every collection's documents as canonical EJSON, sorted by `_id`. */
async function contents(db: mongo.Db): Promise<Record<string, string[]>> {
  const names = (await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name).sort();
  const result: Record<string, string[]> = {};
  for (const name of names) {
    const docs = await db.collection(name).find({}).toArray();
    result[name] = docs.map((doc) => EJSON.stringify(doc, { relaxed: false })).sort();
  }
  return result;
}

describe('POST /api/admin/system/backup', () => {
  it('writes one gzipped archive (0600, in a 0700 directory) and reports its name, size and counts', async () => {
    const archive = await backup();
    expect(archive.name).toMatch(/^backup-\d{4}-\d{2}-\d{2}T[\d-]+Z-[0-9a-f]{6}\.ejson\.gz$/);
    const file = statSync(archive.path);
    expect(file.mode & 0o777).toBe(0o600);
    expect(statSync(t.config.backupDir).mode & 0o777).toBe(0o700);
    expect(archive.sizeBytes).toBe(file.size);
    const db = await t.db();
    expect(archive.collections.users).toBe(await db.collection('users').countDocuments());
    expect(archive.collections.chat_messages).toBe(1);
    expect(archive.collections.type_probe).toBe(1);
  });

  it('restores into a fresh database with identical documents in every collection, types kept', async () => {
    const archive = await backup();
    const source = await contents((await t.db()).db!);
    const target = await freshDatabase();
    const result = await restoreArchive(target, archive.path);
    expect(result.collections).toEqual(archive.collections);
    expect(result.indexErrors).toEqual([]);
    const restored = await contents(target);

    // The backup's own audit record is written after the archive; nothing else may differ.
    source.audit_logs = source.audit_logs.filter((doc) => !doc.includes(archive.requestId));
    expect(Object.keys(restored)).toEqual(Object.keys(source));
    for (const name of Object.keys(source))
      expect({ name, docs: restored[name] }).toEqual({ name, docs: source[name] });

    const probe = await target.collection('type_probe').findOne({});
    expect(probe?.at).toBeInstanceOf(Date);
    expect(probe?._id).toBeInstanceOf(mongo.ObjectId);
    const indexes = await target.collection('users').listIndexes().toArray();
    expect(indexes.map((index) => index.name)).toEqual(
      expect.arrayContaining(
        (await (await t.db()).db!.collection('users').listIndexes().toArray()).map((index) => index.name),
      ),
    );
  });

  it('refuses to restore into a database that is not empty, unless forced', async () => {
    const archive = await backup();
    const target = await freshDatabase();
    await target.collection('users').insertOne({ email: 'someone@example.com' });
    await expect(restoreArchive(target, archive.path)).rejects.toThrow(RestoreRefused);
    expect(await target.collection('users').countDocuments()).toBe(1);

    const forced = await restoreArchive(target, archive.path, { force: true });
    expect(forced.collections.users).toBe(archive.collections.users);
    expect(await target.collection('users').countDocuments()).toBe(archive.collections.users);
    expect(await target.collection('users').countDocuments({ email: 'someone@example.com' })).toBe(0);
  });
});
