import { Types } from 'mongoose';
import { bearer, makeStaff, makeUser, RegisteredUser } from '../factories/users';
import { randomIp, startTestApp, TestApp, useTestApp } from '../support/app';
import { AdminAccountsService } from '../../apps/api/src/modules/auth';
import { AccountChanges, UsersService } from '../../apps/api/src/modules/users';

/**
 * The rule "there is always an active admin", kept in one counter document (`user_counters`,
 * `active-admins`) changed by conditional `$inc`: nobody can demote, suspend or delete the last
 * active admin, also under concurrent requests; the bootstrap and `create-admin --promote` count
 * the admins they make; the count is created and repaired from the users collection at start-up.
 */

const env = { THROTTLE_ADMIN_LIMIT: '1000', THROTTLE_DEFAULT_LIMIT: '10000' };
const t = useTestApp({ env });

interface Counter {
  _id: string;
  n: number;
}
const counter = async (app: TestApp = t) =>
  (await (await app.db()).collection<Counter>('user_counters').findOne({ _id: 'active-admins' }))?.n;
const activeAdmins = async (app: TestApp = t) =>
  (await app.db()).collection('users').countDocuments({ role: 'admin', accountStatus: 'active' });
const record = async (id: string) => {
  const user = await t.app.get(UsersService).findById(id);
  if (!user) throw new Error(`no user ${id}`);
  return user;
};
const as = (who: RegisteredUser, method: 'PUT' | 'POST' | 'DELETE', path: string, body?: unknown) =>
  t.request({ method, url: `/api/admin/users${path}`, headers: bearer(who.token), body });

/** Every admin of this file's database back to an active `user`, and the count to 0: each test starts without admins. */
async function noAdminsLeft(): Promise<void> {
  const db = await t.db();
  await db.collection('users').updateMany({ role: 'admin' }, { $set: { role: 'user', accountStatus: 'active' } });
  await db.collection<Counter>('user_counters').updateOne({ _id: 'active-admins' }, { $set: { n: 0 } });
}

describe('the last active admin', () => {
  beforeEach(noAdminsLeft);

  it('cannot be demoted, suspended or deleted, whoever asks (409); the count stays 1', async () => {
    const only = await makeStaff(t, 'admin');
    expect(await counter()).toBe(1);
    const accounts = t.app.get(AccountChanges);
    for (const attempt of [
      async () => accounts.change(await record(only.id), { role: 'moderator' }, null),
      async () => accounts.change(await record(only.id), { status: 'suspended', reason: 'x' }, null),
      async () => accounts.delete(await record(only.id), null),
    ]) {
      await expect(attempt()).rejects.toMatchObject({ message: expect.stringMatching(/last active admin/) });
    }
    expect(await counter()).toBe(1);
    expect(await (await t.db()).collection('users').findOne({ _id: new Types.ObjectId(only.id) })).toMatchObject({
      role: 'admin',
      accountStatus: 'active',
    });
  });

  it('answers 409 over HTTP once the other admin is gone, and counts admins as they come and go', async () => {
    const [first, second] = [await makeStaff(t, 'admin'), await makeStaff(t, 'admin')];
    expect(await counter()).toBe(2);
    expect((await as(first, 'POST', `/${second.id}/suspend`, { reason: 'away' })).status).toBe(200);
    expect(await counter()).toBe(1);
    expect((await as(first, 'POST', `/${second.id}/activate`)).status).toBe(200);
    expect(await counter()).toBe(2);
    // The suspension revoked the second admin's tokens: signed in again after the activation.
    const again = await t.request({
      method: 'POST',
      url: '/api/auth/login',
      body: { email: second.email, password: second.password },
      remoteAddress: randomIp(),
    });
    const secondAgain = { ...second, token: again.body.data.token as string };
    expect((await as(first, 'PUT', `/${second.id}`, { role: 'moderator' })).status).toBe(200);
    expect(await counter()).toBe(1);
    // The demoted admin's token carries no admin rights any more.
    expect((await as(secondAgain, 'DELETE', `/${first.id}`)).status).toBe(403);
    const third = await makeStaff(t, 'admin');
    expect(await counter()).toBe(2);
    expect((await as(first, 'DELETE', `/${third.id}`)).status).toBe(200);
    expect(await counter()).toBe(1);
    expect(await activeAdmins()).toBe(1);
  });

  it.each([1, 2, 3, 4])('two admins demoting each other at once leave exactly one admin (run %i)', async () => {
    const [a, b] = [await makeStaff(t, 'admin'), await makeStaff(t, 'admin')];
    const answers = await Promise.all([
      as(a, 'PUT', `/${b.id}`, { role: 'user' }),
      as(b, 'PUT', `/${a.id}`, { role: 'user' }),
    ]);
    expect(answers.map((r) => r.status).sort()).toEqual([200, 409]);
    expect(answers.find((r) => r.status === 409)?.body.message).toMatch(/last active admin/);
    expect(await activeAdmins()).toBe(1);
    expect(await counter()).toBe(1);
  });

  it('two admins suspending and deleting each other at once leave exactly one active admin', async () => {
    const [a, b] = [await makeStaff(t, 'admin'), await makeStaff(t, 'admin')];
    const answers = await Promise.all([
      as(a, 'POST', `/${b.id}/suspend`, { reason: 'race' }),
      as(b, 'DELETE', `/${a.id}`),
    ]);
    expect(answers.map((r) => r.status).sort()).toEqual([200, 409]);
    expect(await activeAdmins()).toBe(1);
    expect(await counter()).toBe(1);
  });

  it('gives back what it took when the account changed meanwhile (409, count unchanged)', async () => {
    const [a, b] = [await makeStaff(t, 'admin'), await makeStaff(t, 'admin')];
    const stale = await record(b.id);
    await (
      await t.db()
    )
      .collection('users')
      .updateOne({ _id: new Types.ObjectId(b.id) }, { $set: { accountStatus: 'suspended' } });
    await expect(t.app.get(AccountChanges).change(stale, { role: 'user' }, a.id)).rejects.toMatchObject({
      message: expect.stringMatching(/changed meanwhile/),
    });
    expect(await counter()).toBe(2);
  });
});

describe('the bootstrap and create-admin --promote', () => {
  beforeEach(noAdminsLeft);

  it('counts an admin created or promoted by the admin-account rule, not a suspended one', async () => {
    const service = t.app.get(AdminAccountsService);
    const email = `boss.${Date.now().toString(36)}@example.com`;
    expect((await service.ensureAdmin({ email, password: 'AdminPass123' })).result).toBe('created');
    expect(await counter()).toBe(1);
    expect((await service.ensureAdmin({ email, password: 'AdminPass123' })).result).toBe('exists');
    expect(await counter()).toBe(1);

    const user = await makeUser(t);
    expect((await service.ensureAdmin({ email: user.email, password: 'AdminPass123' })).result).toBe('not-admin');
    expect(await counter()).toBe(1);
    expect((await service.ensureAdmin({ email: user.email, password: 'AdminPass123' }, { promote: true })).result).toBe(
      'promoted',
    );
    expect(await counter()).toBe(2);

    // A suspended account promoted is an admin, but not an active one until it is activated.
    const suspended = await makeUser(t);
    const boss = await t.request({
      method: 'POST',
      url: '/api/auth/login',
      body: { email, password: 'AdminPass123' },
      remoteAddress: randomIp(),
    });
    const bossToken = boss.body.data.token as string;
    const suspend = await t.request({
      method: 'POST',
      url: `/api/admin/users/${suspended.id}/suspend`,
      headers: bearer(bossToken),
      body: { reason: 'x' },
    });
    expect(suspend.status).toBe(200);
    await service.ensureAdmin({ email: suspended.email, password: 'AdminPass123' }, { promote: true });
    expect(await counter()).toBe(2);
    const activate = await t.request({
      method: 'POST',
      url: `/api/admin/users/${suspended.id}/activate`,
      headers: bearer(bossToken),
    });
    expect(activate.status).toBe(200);
    expect(await counter()).toBe(3);
    expect(await activeAdmins()).toBe(3);
  });
});

describe('start-up', () => {
  const apps: TestApp[] = [];
  afterAll(async () => {
    await Promise.all(apps.map((app) => app.close()));
  });

  it('creates the count from the users collection when missing, and repairs a wrong one', async () => {
    const first = await startTestApp({ env });
    apps.push(first);
    const uri = first.config.database.uri!;
    const db = await first.db();
    // Accounts made admin by hand (a restore, an edit): the counter does not know them.
    const ids = [new Types.ObjectId(), new Types.ObjectId()];
    await db.collection('users').insertMany(
      ids.map((_id, i) => ({
        _id,
        firstName: 'Hand',
        lastName: `Made${i}`,
        email: `hand.${_id.toHexString()}@example.com`,
        passwordHash: '!',
        role: 'admin',
        accountStatus: 'active',
      })),
    );
    await db.collection<Counter>('user_counters').deleteOne({ _id: 'active-admins' });
    apps.push(await startTestApp({ env: { ...env, MONGODB_URI: uri } }));
    expect(await counter(first)).toBe(2);

    await db.collection<Counter>('user_counters').updateOne({ _id: 'active-admins' }, { $set: { n: 7 } });
    apps.push(
      await startTestApp({
        env: {
          ...env,
          MONGODB_URI: uri,
          ADMIN_EMAIL: `boot.${ids[0].toHexString()}@example.com`,
          ADMIN_PASSWORD: 'AdminPass123',
        },
      }),
    );
    expect(await counter(first)).toBe(3);
    expect(await activeAdmins(first)).toBe(3);
  });
});
