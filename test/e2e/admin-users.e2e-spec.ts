import { randomBytes } from 'node:crypto';
import { Types } from 'mongoose';
import { callAction, getCall, makeCall } from '../factories/calls';
import { bearer, makeStaff, makeUser, RegisteredUser } from '../factories/users';
import { randomIp, recordEvents, RecordedEvent, useTestApp } from '../support/app';
import { closeSockets, connectSocket, listenForSockets, nextEvent } from '../support/sockets';

/** Admin user management (spec "Admin Endpoints", "User Management"): list, details, update, suspend, activate, delete. */

// Many admin requests from the same staff accounts: the admin limit itself is tested in rate-limit tests.
const t = useTestApp({ env: { THROTTLE_ADMIN_LIMIT: '1000', THROTTLE_DEFAULT_LIMIT: '10000' } });
let url: string;
let admin: RegisteredUser;
let moderator: RegisteredUser;
let events: RecordedEvent[];

beforeAll(async () => {
  url = await listenForSockets(t);
  admin = await makeStaff(t, 'admin');
  moderator = await makeStaff(t, 'moderator');
  events = recordEvents(t, 'user.');
});
afterEach(() => closeSockets());

type Method = 'GET' | 'PUT' | 'POST' | 'DELETE';
const as = (who: RegisteredUser, method: Method, path: string, body?: unknown) =>
  t.request({ method, url: `/api/admin/users${path}`, headers: bearer(who.token), body });

const login = (user: RegisteredUser, email = user.email) =>
  t.request({
    method: 'POST',
    url: '/api/auth/login',
    body: { email, password: user.password },
    remoteAddress: randomIp(),
  });
const profileStatus = async (token: string) =>
  (await t.request({ url: '/api/auth/profile', headers: bearer(token) })).status;

/** Letters only, unique per call: names of the users a test searches for. */
const tag = () =>
  Array.from(randomBytes(8), (b) => String.fromCharCode(97 + (b % 26)))
    .join('')
    .replace(/^./, (c) => c.toUpperCase());

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const rawUser = async (id: string) => (await t.db()).collection('users').findOne({ _id: new Types.ObjectId(id) });
const callStatus = async (callId: string) =>
  (await t.db())
    .collection<{ _id: string; status: string; endReason: string | null }>('calls')
    .findOne({ _id: callId });

describe('GET /api/admin/users', () => {
  it('filters by status and role, searches names by word prefix and emails exactly, sorts and pages', async () => {
    const name = tag();
    const [a, b, c] = await Promise.all([
      makeUser(t, { firstName: 'Anna Maria', lastName: `${name}a` }),
      makeUser(t, { firstName: 'Bert', lastName: `${name}b` }),
      makeUser(t, { firstName: 'Carl', lastName: `${name}c` }),
    ]);
    expect((await as(moderator, 'POST', `/${c.id}/suspend`, { reason: 'spam' })).status).toBe(200);

    const search = async (query: string) => {
      const res = await as(moderator, 'GET', `?${query}`);
      expect(res.status).toBe(200);
      return res.body.data as { users: { id: string; status: string }[]; pagination: Record<string, number> };
    };
    const ids = (page: { users: { id: string }[] }) => page.users.map((u) => u.id);

    const all = await search(`search=${name.toLowerCase()}&sort=lastName`);
    expect(ids(all)).toEqual([a.id, b.id, c.id]);
    expect(all.pagination).toEqual({ page: 1, limit: 20, total: 3, pages: 1 });
    expect(ids(await search(`search=${name}&sort=-lastName`))).toEqual([c.id, b.id, a.id]);
    expect(ids(await search(`search=${name}&status=active&sort=lastName`))).toEqual([a.id, b.id]);
    expect(ids(await search(`search=${name}&status=suspended`))).toEqual([c.id]);
    expect(ids(await search(`search=${name}&role=moderator`))).toEqual([]);
    // Every word must start a word of a name; the middle of a name does not match.
    expect(ids(await search(`search=maria%20${name}`))).toEqual([a.id]);
    expect(ids(await search(`search=aria%20${name}`))).toEqual([]);
    expect(ids(await search(`search=${name.slice(2)}`))).toEqual([]);
    // Regular-expression characters are literal.
    expect(ids(await search(`search=${name}.*`))).toEqual([]);
    // The email only as a whole.
    expect(ids(await search(`search=${encodeURIComponent(b.email.toUpperCase())}`))).toEqual([b.id]);
    expect(ids(await search(`search=${encodeURIComponent(b.email.split('@')[0])}`))).toEqual([]);

    const second = await search(`search=${name}&sort=lastName&limit=2&page=2`);
    expect(ids(second)).toEqual([c.id]);
    expect(second.pagination).toEqual({ page: 2, limit: 2, total: 3, pages: 2 });

    const staff = await search(`role=moderator&sort=-createdAt&limit=100`);
    expect(ids(staff)).toContain(moderator.id);
    expect(staff.users.every((u) => u.id !== admin.id)).toBe(true);
  });

  it.each([
    ['limit=101', 'limit'],
    ['limit=0', 'limit'],
    ['page=0', 'page'],
    ['page=1.5', 'page'],
    ['sort=passwordHash', 'sort'],
    ['status=gone', 'status'],
    ['role=root', 'role'],
    ['search=', 'search'],
    [`search=${'a'.repeat(101)}`, 'search'],
    ['email=x@example.com', 'email'],
  ])('refuses ?%s with 400 naming the field', async (query, field) => {
    const res = await as(moderator, 'GET', `?${query}`);
    expect(res.status).toBe(400);
    expect(res.body.errorCode).toBe('BAD_REQUEST');
    expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
  });
});

describe('GET /api/admin/users/:userId', () => {
  it('shows the account with its call statistics and no secrets', async () => {
    const [user, host] = await Promise.all([makeUser(t, { phoneNumber: '+14155550100' }), makeUser(t)]);
    const db = await t.db();
    // A call the user hosted for 30 minutes, and one they joined for 10.
    const hosted = await makeCall(t, user);
    await db
      .collection('calls')
      .updateOne({ _id: hosted.id }, { $set: { startedAt: new Date(Date.now() - 1_800_000) } });
    expect((await callAction(t, user, hosted.id, 'end')).status).toBe(200);
    const joined = await makeCall(t, host, { inviteUserIds: [user.id] });
    expect((await callAction(t, user, joined.id, 'join')).status).toBe(200);
    await db.collection('calls').updateOne({ _id: joined.id }, { $set: { startedAt: new Date(Date.now() - 600_000) } });
    expect((await callAction(t, host, joined.id, 'end')).status).toBe(200);

    const res = await as(moderator, 'GET', `/${user.id.toUpperCase()}`);
    expect(res.status).toBe(200);
    expect(res.body.data.user).toEqual({
      id: user.id,
      firstName: user.firstName,
      lastName: user.lastName,
      email: user.email,
      phoneNumber: '+14155550100',
      avatar: null,
      role: 'user',
      status: 'active',
      plan: 'free',
      isEmailVerified: false,
      createdAt: expect.any(String),
      lastSeenAt: null,
      suspensionReason: null,
      suspendedAt: null,
      deletedAt: null,
    });
    expect(res.body.data.stats).toEqual({ hostedCalls: 1, joinedCalls: 2, totalMinutes: 40 });
    expect(res.text).not.toMatch(/passwordHash|\$2[aby]\$|tokenVersion/);
  });

  it('answers 404 for an unknown or malformed id', async () => {
    expect((await as(moderator, 'GET', `/${new Types.ObjectId().toHexString()}`)).status).toBe(404);
    expect((await as(moderator, 'GET', '/not-an-id')).status).toBe(404);
  });
});

describe('PUT /api/admin/users/:userId', () => {
  it('lets an admin change names, role and plan; the user sees them', async () => {
    const user = await makeUser(t);
    const res = await as(admin, 'PUT', `/${user.id}`, {
      firstName: '  Jane ',
      lastName: 'Roe',
      role: 'moderator',
      plan: 'pro',
    });
    expect(res.status).toBe(200);
    expect(res.body.data.user).toMatchObject({ firstName: 'Jane', lastName: 'Roe', role: 'moderator', plan: 'pro' });
    const profile = await t.request({ url: '/api/auth/profile', headers: bearer(user.token) });
    expect(profile.body.data.user).toMatchObject({
      firstName: 'Jane',
      role: 'moderator',
      subscription: { plan: 'pro' },
    });
    expect(events).toContainEqual({
      name: 'user.role.changed',
      payload: expect.objectContaining({ userId: user.id, role: 'moderator', previousRole: 'user', by: admin.id }),
    });
  });

  it.each([
    [{}, null],
    [{ firstName: '' }, 'firstName'],
    [{ firstName: '   ' }, 'firstName'],
    [{ lastName: 'x'.repeat(51) }, 'lastName'],
    [{ firstName: 42 }, 'firstName'],
    [{ firstName: null }, 'firstName'],
    [{ role: 'root' }, 'role'],
    [{ status: 'deleted' }, 'status'],
    [{ plan: 'gold' }, 'plan'],
    [{ email: 'new@example.com' }, 'email'],
    [{ passwordHash: 'x' }, 'passwordHash'],
  ])('refuses %j with 400', async (body, field) => {
    const user = await makeUser(t);
    const res = await as(admin, 'PUT', `/${user.id}`, body);
    expect(res.status).toBe(400);
    if (field) expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    expect((await rawUser(user.id))?.firstName).toBe(user.firstName);
  });

  it('lets a moderator change names and status of a user, but not role or plan (403)', async () => {
    const user = await makeUser(t);
    expect((await as(moderator, 'PUT', `/${user.id}`, { lastName: 'Renamed' })).status).toBe(200);
    for (const body of [{ role: 'moderator' }, { plan: 'pro' }, { lastName: 'X', role: 'user' }]) {
      const res = await as(moderator, 'PUT', `/${user.id}`, body);
      expect(res.status).toBe(403);
      expect(res.body.errorCode).toBe('FORBIDDEN');
    }
    const stored = await rawUser(user.id);
    expect(stored).toMatchObject({ lastName: 'Renamed', role: 'user', subscription: { plan: 'free' } });
    expect((await as(moderator, 'PUT', `/${user.id}`, { status: 'suspended' })).body.data.user.status).toBe(
      'suspended',
    );
    expect((await as(moderator, 'PUT', `/${user.id}`, { status: 'active' })).body.data.user.status).toBe('active');
  });

  it('refuses a moderator anything on a moderator or admin account (403)', async () => {
    const [otherModerator, otherAdmin] = await Promise.all([makeStaff(t, 'moderator'), makeStaff(t, 'admin')]);
    for (const target of [otherModerator, otherAdmin]) {
      expect((await as(moderator, 'POST', `/${target.id}/suspend`, { reason: 'no' })).status).toBe(403);
      expect((await as(moderator, 'PUT', `/${target.id}`, { status: 'suspended' })).status).toBe(403);
      expect((await as(moderator, 'PUT', `/${target.id}`, { firstName: 'X' })).status).toBe(403);
      expect((await rawUser(target.id))?.accountStatus).toBe('active');
    }
  });

  it('answers 404 for an unknown user', async () => {
    expect((await as(admin, 'PUT', `/${new Types.ObjectId().toHexString()}`, { firstName: 'X' })).status).toBe(404);
  });
});

describe('suspend and activate', () => {
  it('suspends: token refused at once, socket ended, hosted call ended, sign-in 403; activate undoes it', async () => {
    const [user, guest] = await Promise.all([makeUser(t), makeUser(t)]);
    const call = await makeCall(t, user, { inviteUserIds: [guest.id] });
    expect((await callAction(t, guest, call.id, 'join')).status).toBe(200);
    const socket = await connectSocket(url, user.token);
    const ended = nextEvent<{ reason: string }>(socket, 'session-ended');

    const res = await as(moderator, 'POST', `/${user.id}/suspend`, { reason: '  Spamming invitations ' });
    expect(res.status).toBe(200);
    expect(res.body.data.user).toMatchObject({
      status: 'suspended',
      suspensionReason: 'Spamming invitations',
      suspendedAt: expect.any(String),
    });
    expect(await profileStatus(user.token)).toBe(401);
    expect(await ended).toMatchObject({ reason: 'account-suspended' });
    expect(events).toContainEqual({
      name: 'user.suspended',
      payload: expect.objectContaining({ userId: user.id, by: moderator.id }),
    });
    await until(async () => (await callStatus(call.id))?.status === 'ended', 'the hosted call to end');
    expect((await callStatus(call.id))?.endReason).toBe('ended-by-admin');

    const refused = await login(user);
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ errorCode: 'FORBIDDEN', message: expect.stringMatching(/suspended/i) });
    expect((await as(moderator, 'POST', `/${user.id}/suspend`, { reason: 'again' })).status).toBe(409);

    const activated = await as(moderator, 'POST', `/${user.id}/activate`);
    expect(activated.status).toBe(200);
    expect(activated.body.data.user).toMatchObject({ status: 'active', suspensionReason: null, suspendedAt: null });
    const signedIn = await login(user);
    expect(signedIn.status).toBe(200);
    expect(await profileStatus(signedIn.body.data.token)).toBe(200);
    // Tokens from before the suspension stay revoked.
    expect(await profileStatus(user.token)).toBe(401);
    expect((await as(moderator, 'POST', `/${user.id}/activate`)).status).toBe(409);
  });

  it.each([[{}], [{ reason: '' }], [{ reason: 'x'.repeat(501) }], [{ reason: 'ok', extra: 1 }]])(
    'refuses a suspension with %j (400)',
    async (body) => {
      const user = await makeUser(t);
      expect((await as(moderator, 'POST', `/${user.id}/suspend`, body)).status).toBe(400);
      expect((await rawUser(user.id))?.accountStatus).toBe('active');
    },
  );

  it('lets an admin suspend and activate a moderator', async () => {
    const target = await makeStaff(t, 'moderator');
    expect((await as(admin, 'POST', `/${target.id}/suspend`, { reason: 'leave' })).status).toBe(200);
    expect((await as(admin, 'POST', `/${target.id}/activate`)).status).toBe(200);
  });
});

describe('DELETE /api/admin/users/:userId', () => {
  it('anonymises the account, revokes it, removes contacts both ways, ends hosted calls, keeps history', async () => {
    const [user, friend, host] = await Promise.all([
      makeUser(t, { phoneNumber: '+14155550101' }),
      makeUser(t),
      makeUser(t),
    ]);
    const addContact = (owner: RegisteredUser, other: RegisteredUser) =>
      t.request({
        method: 'POST',
        url: '/api/auth/contacts',
        headers: bearer(owner.token),
        body: { contactUserId: other.id },
      });
    expect((await addContact(user, friend)).status).toBe(201);
    expect((await addContact(friend, user)).status).toBe(201);
    const hosted = await makeCall(t, user, { inviteUserIds: [friend.id] });
    expect((await callAction(t, friend, hosted.id, 'join')).status).toBe(200);
    const past = await makeCall(t, host, { inviteUserIds: [user.id] });
    expect((await callAction(t, user, past.id, 'join')).status).toBe(200);
    expect((await callAction(t, host, past.id, 'end')).status).toBe(200);
    const socket = await connectSocket(url, user.token);
    const ended = nextEvent<{ reason: string }>(socket, 'session-ended');

    const res = await as(admin, 'DELETE', `/${user.id}`);
    expect(res.status).toBe(200);
    expect(res.body.data.user).toMatchObject({ status: 'deleted', firstName: 'Deleted', lastName: 'User' });
    expect(await ended).toMatchObject({ reason: 'account-deleted' });
    expect(await profileStatus(user.token)).toBe(401);
    expect((await login(user)).status).toBe(401);

    const stored = await rawUser(user.id);
    expect(stored).toMatchObject({
      firstName: 'Deleted',
      lastName: 'User',
      email: `deleted-${user.id}@deleted.invalid`,
      phoneNumber: null,
      avatar: null,
      accountStatus: 'deleted',
      passwordHash: '!deleted',
    });
    expect(JSON.stringify(stored)).not.toContain(user.email);
    expect(events).toContainEqual({ name: 'user.deleted', payload: expect.objectContaining({ userId: user.id }) });

    const db = await t.db();
    const oid = new Types.ObjectId(user.id);
    await until(
      async () =>
        (await db.collection('contacts').countDocuments({ $or: [{ ownerId: oid }, { contactId: oid }] })) === 0,
      'the contacts to go',
    );
    const contacts = await t.request({ url: '/api/auth/contacts', headers: bearer(friend.token) });
    expect(JSON.stringify(contacts.body.data)).not.toContain(user.id);
    await until(async () => (await callStatus(hosted.id))?.status === 'ended', 'the hosted call to end');
    expect((await callStatus(hosted.id))?.endReason).toBe('ended-by-admin');

    const history = await getCall(t, host, 'history?limit=100');
    const kept = history.body.data.calls.find((c: { id: string }) => c.id === past.id);
    expect(kept).toBeDefined();
    const details = await getCall(t, host, past.id);
    const participant = details.body.data.call.participants.find(
      (p: { user: { id: string } }) => p.user.id === user.id,
    );
    expect(participant.user).toMatchObject({ firstName: 'Deleted', lastName: 'User' });

    expect((await as(admin, 'DELETE', `/${user.id}`)).status).toBe(409);
    expect((await as(admin, 'PUT', `/${user.id}`, { firstName: 'Back' })).status).toBe(409);
  });

  it('answers 404 for an unknown user', async () => {
    expect((await as(admin, 'DELETE', `/${new Types.ObjectId().toHexString()}`)).status).toBe(404);
  });
});

describe('your own account', () => {
  it('cannot be suspended, demoted or deleted by yourself (403); your names can change', async () => {
    const me = await makeStaff(t, 'admin');
    for (const [method, path, body] of [
      ['POST', `/${me.id}/suspend`, { reason: 'me' }],
      ['PUT', `/${me.id}`, { status: 'suspended' }],
      ['PUT', `/${me.id}`, { role: 'user' }],
      ['DELETE', `/${me.id}`, undefined],
    ] as const) {
      const res = await as(me, method, path, body);
      expect(res.status).toBe(403);
      expect(res.body.message).toMatch(/your own account/);
    }
    expect(await rawUser(me.id)).toMatchObject({ role: 'admin', accountStatus: 'active' });
    expect((await as(me, 'PUT', `/${me.id}`, { firstName: 'Me', role: 'admin' })).status).toBe(200);
  });
});

describe('audit trail', () => {
  it('records the changed fields before and after an update and a suspension', async () => {
    const user = await makeUser(t, { lastName: 'Before' });
    const update = await as(admin, 'PUT', `/${user.id}`, { lastName: 'After', plan: 'enterprise' });
    const suspend = await as(moderator, 'POST', `/${user.id}/suspend`, { reason: 'audit me' });
    expect([update.status, suspend.status]).toEqual([200, 200]);

    const logs = await t.request({ url: '/api/admin/system/logs?level=audit&limit=500', headers: bearer(admin.token) });
    const entryOf = (res: { headers: Record<string, unknown> }) =>
      logs.body.data.logs.find((e: { requestId: string }) => e.requestId === res.headers['x-request-id']);
    expect(entryOf(update).audit).toMatchObject({
      target: { userId: user.id },
      actor: { id: admin.id, role: 'admin' },
      status: 200,
      changes: { before: { lastName: 'Before', plan: 'free' }, after: { lastName: 'After', plan: 'enterprise' } },
    });
    expect(entryOf(suspend).audit).toMatchObject({
      actor: { id: moderator.id, role: 'moderator' },
      changes: {
        before: { status: 'active', suspensionReason: null },
        after: { status: 'suspended', suspensionReason: 'audit me' },
      },
    });
  });
});
