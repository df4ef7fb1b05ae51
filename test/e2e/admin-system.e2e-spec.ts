import { randomBytes } from 'node:crypto';
import { Types } from 'mongoose';
import { Logger } from 'pino';
import { LOGGER } from '../../apps/api/src/core/core.module';
import { LogStoreRepository } from '../../apps/api/src/modules/admin/system/logs/log-store.repository';
import { makeCall } from '../factories/calls';
import { bearer, makeStaff, makeUser, RegisteredUser } from '../factories/users';
import { randomIp, useTestApp } from '../support/app';

// One staff account makes every admin request of this file: the admin limit (50 a minute across admin
// routes, proved in rate-limit and security-limits) is raised so it never decides a test here.
const t = useTestApp({ env: { THROTTLE_ADMIN_LIMIT: '1000' } });
let admin: RegisteredUser;
let moderator: RegisteredUser;

beforeAll(async () => {
  [admin, moderator] = await Promise.all([makeStaff(t, 'admin'), makeStaff(t, 'moderator')]);
});

const get = (user: RegisteredUser, url: string) =>
  t.request({ url, headers: bearer(user.token), remoteAddress: randomIp() });

const tag = () => randomBytes(4).toString('hex');

describe('GET /api/admin/system/stats', () => {
  it('reports the process, memory, event loop, every collection and the realtime gauges', async () => {
    const res = await get(moderator, '/api/admin/system/stats');
    expect(res.status).toBe(200);
    const stats = res.body.data;
    expect(stats.process.pid).toBe(process.pid);
    expect(stats.memory.rssBytes).toBeGreaterThan(0);
    expect(stats.eventLoop.p99Ms).toBeGreaterThanOrEqual(stats.eventLoop.p50Ms);
    const users = stats.database.byCollection.find((c: { name: string }) => c.name === 'users');
    expect(users.count).toBeGreaterThanOrEqual(2);
    expect(stats.database.documents).toBeGreaterThanOrEqual(users.count);
    expect(stats.database.collections).toBe(stats.database.byCollection.length);
    expect(stats.realtime).toEqual({ connectedSockets: 0, activeRooms: 0 });
  });
});

describe('GET /api/admin/system/health', () => {
  it('answers what /api/health answers (HEALTH_DETAILS is public in tests: the whole report)', async () => {
    const [asAdmin, asModerator, direct] = await Promise.all([
      get(admin, '/api/admin/system/health'),
      get(moderator, '/api/admin/system/health'),
      t.request({ url: '/api/health' }),
    ]);
    for (const res of [asAdmin, asModerator]) {
      expect(res.status).toBe(direct.status);
      expect(Object.keys(res.body)).toEqual(Object.keys(direct.body));
      expect(Object.keys(res.body.data.checks)).toEqual(Object.keys(direct.body.data.checks));
      expect(res.body.data.checks.database.data).toEqual(direct.body.data.checks.database.data);
    }
  });
});

describe('GET /api/admin/system/logs', () => {
  it("stores the logger's warnings and errors, filtered by level, since and limit, newest first", async () => {
    const logger = t.app.get<Logger>(LOGGER);
    const id = tag();
    const before = new Date(Date.now() - 1000).toISOString();
    logger.child({ context: 'Billing' }).warn({ invoice: id, password: 'Secret123' }, `warning ${id}`);
    logger.error({ err: new Error(`failure ${id}`) }, `error ${id}`);
    logger.info(`info ${id}`);

    const all = await get(moderator, '/api/admin/system/logs?level=warn&limit=500');
    expect(all.status).toBe(200);
    const mine = all.body.data.logs.filter((entry: { message: string }) => entry.message.endsWith(id));
    expect(mine.map((entry: { level: string; message: string }) => [entry.level, entry.message])).toEqual([
      ['error', `error ${id}`],
      ['warn', `warning ${id}`],
    ]);
    expect(mine[1]).toMatchObject({ context: 'Billing', details: { invoice: id, password: '[redacted]' } });
    expect(all.text).not.toContain('Secret123');

    const errors = await get(moderator, '/api/admin/system/logs?level=error');
    expect(errors.body.data.logs.every((entry: { level: string }) => ['error', 'fatal'].includes(entry.level))).toBe(
      true,
    );
    expect(errors.body.data.logs.some((entry: { message: string }) => entry.message === `error ${id}`)).toBe(true);

    const since = await get(moderator, `/api/admin/system/logs?level=warn&since=${encodeURIComponent(before)}`);
    expect(since.body.data.logs.filter((entry: { message: string }) => entry.message.endsWith(id))).toHaveLength(2);
    const future = new Date(Date.now() + 60_000).toISOString();
    const none = await get(moderator, `/api/admin/system/logs?since=${encodeURIComponent(future)}`);
    expect(none.body.data).toEqual({ logs: [], count: 0 });

    const one = await get(moderator, '/api/admin/system/logs?level=warn&limit=1');
    expect(one.body.data.count).toBe(1);
    expect(one.body.data.logs[0].message).toBe(`error ${id}`);
  });

  it.each([
    ['level=info', 'level'],
    ['limit=501', 'limit'],
    ['limit=0', 'limit'],
    ['since=yesterday', 'since'],
    ['other=1', 'other'],
  ])('refuses %s (400)', async (query, field) => {
    const res = await get(moderator, `/api/admin/system/logs?${query}`);
    expect(res.status).toBe(400);
    expect(res.body.errors.map((error: { field: string }) => error.field)).toContain(field);
  });

  it('keeps the newest entries of a store when trimmed to its bound (count-based, by _id order)', async () => {
    const store = t.app.get(LogStoreRepository);
    const id = tag();
    const lines = Array.from({ length: 30 }, (_, i) => ({
      time: new Date(),
      level: 'warn' as const,
      message: `bounded ${id} ${i}`,
    }));
    await store.insertLines(lines);
    await store.trim('system', 10);
    const db = await t.db();
    const kept = await db.collection('system_logs').find({}).sort({ _id: 1 }).toArray();
    expect(kept.map((doc) => doc.message)).toEqual(lines.slice(20).map((line) => line.message));
  });
});

describe('audit trail', () => {
  it('records an admin write: who, what, target, input without secrets, address, request id, outcome', async () => {
    const ip = randomIp();
    const res = await t.request({
      method: 'POST',
      url: '/api/admin/system/cleanup?dryRun=true',
      headers: { ...bearer(admin.token), 'x-request-id': `audit-${tag()}` },
      body: { password: 'Secret123', note: 'weekly', apiToken: 'tok_abc' },
      remoteAddress: ip,
    });
    expect(res.status).toBe(200);
    const requestId = res.headers['x-request-id'];

    const logs = await get(moderator, '/api/admin/system/logs?level=audit&limit=500');
    const entry = logs.body.data.logs.find((e: { requestId: string }) => e.requestId === requestId);
    expect(entry).toMatchObject({
      level: 'audit',
      requestId,
      audit: {
        action: 'system.cleanup',
        method: 'POST',
        route: '/api/admin/system/cleanup',
        target: {},
        actor: { id: admin.id, role: 'admin' },
        ip,
        status: 200,
        input: { query: { dryRun: 'true' }, body: { note: 'weekly', password: '[redacted]', apiToken: '[redacted]' } },
      },
    });
    expect(new Date(entry.time).getTime()).toBeGreaterThan(Date.now() - 60_000);
    expect(logs.text).not.toMatch(/Secret123|tok_abc/);
    expect(logs.text).not.toContain(admin.token);
  });

  it('records refused writes with their status, and reads nothing into GETs', async () => {
    const id = `audit-${tag()}`;
    const bad = await t.request({
      method: 'POST',
      url: '/api/admin/system/cleanup?dryRun=maybe',
      headers: { ...bearer(admin.token), 'x-request-id': id },
      remoteAddress: randomIp(),
    });
    expect(bad.status).toBe(400);
    const read = await t.request({
      url: '/api/admin/system/stats',
      headers: { ...bearer(admin.token), 'x-request-id': `${id}-read` },
      remoteAddress: randomIp(),
    });
    expect(read.status).toBe(200);

    const logs = await get(admin, '/api/admin/system/logs?level=audit&limit=500');
    const mine = logs.body.data.logs.filter((e: { requestId: string }) => e.requestId.startsWith(id));
    expect(mine).toHaveLength(1);
    expect(mine[0].audit).toMatchObject({ action: 'system.cleanup', status: 400 });
  });

  it('merges the audit trail with warnings and errors when no level is given', async () => {
    const id = tag();
    t.app.get<Logger>(LOGGER).warn(`merged ${id}`);
    await t.request({
      method: 'POST',
      url: '/api/admin/system/cleanup?dryRun=true',
      headers: { ...bearer(admin.token), 'x-request-id': `merged-${id}` },
      remoteAddress: randomIp(),
    });
    const logs = await get(admin, '/api/admin/system/logs?limit=500');
    const levels = logs.body.data.logs
      .filter(
        (e: { message: string; requestId?: string }) => e.message === `merged ${id}` || e.requestId === `merged-${id}`,
      )
      .map((e: { level: string }) => e.level);
    expect(levels).toEqual(['audit', 'warn']);
  });
});

describe('POST /api/admin/system/cleanup', () => {
  const cleanup = (dryRun: boolean) =>
    t.request({
      method: 'POST',
      url: `/api/admin/system/cleanup${dryRun ? '?dryRun=true' : ''}`,
      headers: bearer(admin.token),
      remoteAddress: randomIp(),
    });

  it('counts in a dry run exactly what the real run then removes, and keeps what is still needed', async () => {
    await cleanup(false); // whatever earlier tests left
    const db = await t.db();
    const now = Date.now();
    const past = new Date(now - 3600_000);
    const future = new Date(now + 3600_000);
    const host = await makeUser(t);
    const call = await makeCall(t, host);
    const gone = { call: randomBytes(16).toString('base64url'), user: new Types.ObjectId() };
    const hostId = new Types.ObjectId(host.id);
    await db
      .collection('auth_tokens')
      .insertMany([
        { _id: `expired-${tag()}`, userId: host.id, purpose: 'verify-email', expiresAt: past, usedAt: null } as never,
        { _id: `used-${tag()}`, userId: host.id, purpose: 'reset-password', expiresAt: future, usedAt: past } as never,
        { _id: `live-${tag()}`, userId: host.id, purpose: 'reset-password', expiresAt: future, usedAt: null } as never,
      ]);
    await db
      .collection('revoked_tokens')
      .insertMany([
        { _id: `old-${tag()}`, userId: host.id, expiresAt: past } as never,
        { _id: `new-${tag()}`, userId: host.id, expiresAt: future } as never,
      ]);
    const message = (callId: string) => ({
      callId,
      senderId: hostId,
      message: 'hi',
      messageType: 'text',
      createdAt: past,
    });
    await db.collection('chat_messages').insertMany([message(gone.call), message(gone.call), message(call.id)]);
    const participant = (callId: string, userId: Types.ObjectId) => ({
      _id: `${callId}:${userId.toHexString()}` as never,
      callId,
      userId,
      role: 'participant',
      agoraUid: 7,
      state: 'left',
      joinedAt: past,
    });
    await db
      .collection('call_participants')
      .insertMany([participant(gone.call, hostId), participant(call.id, gone.user)]);
    const invitation = (callId: string, inviteeId: Types.ObjectId) => ({
      _id: `${callId}:${inviteeId.toHexString()}` as never,
      callId,
      inviteeId,
      invitedBy: hostId,
      status: 'pending',
    });
    await db.collection('call_invitations').insertMany([invitation(gone.call, hostId)]);
    const deletedUser = new Types.ObjectId();
    await db
      .collection('users')
      .insertOne({ _id: deletedUser, email: `deleted-${tag()}@example.invalid`, status: 'deleted' });
    const friend = await makeUser(t);
    await db.collection('contacts').insertMany([
      { ownerId: hostId, contactId: gone.user, createdAt: past },
      { ownerId: deletedUser, contactId: hostId, createdAt: past },
      { ownerId: hostId, contactId: new Types.ObjectId(friend.id), createdAt: past },
    ]);
    // An active call nobody has been joined to for longer than CALL_IDLE_TIMEOUT: ended, not deleted.
    const idleCallId = (await makeCall(t, await makeUser(t))).id;
    await db
      .collection('calls')
      .updateOne({ _id: idleCallId as never }, { $set: { joinedCount: 0, lastActivityAt: past } });
    const expected = {
      emailTokens: 2,
      revokedTokens: 1,
      staleCalls: 1,
      orphanedChatMessages: 2,
      orphanedParticipants: 2,
      orphanedInvitations: 1,
      orphanedContacts: 2,
    };

    const dry = await cleanup(true);
    expect(dry.status).toBe(200);
    expect(dry.body.data.dryRun).toBe(true);
    expect(dry.body.data.categories).toEqual(
      Object.fromEntries(Object.entries(expected).map(([k, n]) => [k, { found: n, deleted: 0 }])),
    );
    expect(await db.collection('chat_messages').countDocuments({ callId: gone.call })).toBe(2);

    const real = await cleanup(false);
    expect(real.body.data.dryRun).toBe(false);
    expect(real.body.data.categories).toEqual(
      Object.fromEntries(Object.entries(expected).map(([k, n]) => [k, { found: n, deleted: n }])),
    );
    const again = await cleanup(true);
    expect(Object.values(again.body.data.categories).every((c) => (c as { found: number }).found === 0)).toBe(true);

    expect(await db.collection('auth_tokens').countDocuments({ _id: { $regex: '^live-' } } as never)).toBe(1);
    expect(await db.collection('revoked_tokens').countDocuments({ _id: { $regex: '^new-' } } as never)).toBe(1);
    expect(await db.collection('chat_messages').countDocuments({ callId: call.id })).toBe(1);
    expect(await db.collection('calls').findOne({ _id: idleCallId as never })).toMatchObject({
      status: 'ended',
      endReason: 'idle',
    });
    expect(await db.collection('contacts').countDocuments({ ownerId: hostId })).toBe(1);
    expect(await db.collection('call_participants').countDocuments({ callId: call.id, userId: hostId })).toBe(1);
  });

  it('is for admins only (403 for a moderator), and refuses a dryRun that is not true or false (400)', async () => {
    const asModerator = await t.request({
      method: 'POST',
      url: '/api/admin/system/cleanup?dryRun=true',
      headers: bearer(moderator.token),
      remoteAddress: randomIp(),
    });
    expect(asModerator.status).toBe(403);
    const bad = await t.request({
      method: 'POST',
      url: '/api/admin/system/cleanup?dryRun=1',
      headers: bearer(admin.token),
      remoteAddress: randomIp(),
    });
    expect(bad.status).toBe(400);
  });
});
