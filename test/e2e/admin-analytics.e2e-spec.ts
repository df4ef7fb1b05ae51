import { Types } from 'mongoose';
import { LiveUserCountsService } from '../../apps/api/src/modules/admin/analytics/live-user-counts';
import { RollupRebuildService } from '../../apps/api/src/modules/admin/analytics/rollups/rollup-rebuild.service';
import { RollupRecorder } from '../../apps/api/src/modules/admin/analytics/rollups/rollup-recorder';
import { newestFirst } from '../../apps/api/src/modules/admin/analytics/rollups/rollups.repository';
import { callAction, makeCall } from '../factories/calls';
import { bearer, makeStaff, makeUser, RegisteredUser } from '../factories/users';
import { TestApp, useTestApp } from '../support/app';

/**
 * Admin dashboard and analytics (issue "Admin", points 2 and 3): figures kept live by the rollup
 * recorder as the API is used, buckets at hour, day and week edges (driven with explicit times, and
 * from fixture documents through the rebuild), range validation, and a rebuild equal to what was
 * kept live. Access per role: admin-access.e2e-spec.ts.
 */
// One staff account makes every admin request of this file: the admin limit (50 a minute across admin
// routes, proved in rate-limit and security-limits) is raised so it never decides a test here.
const t = useTestApp({ env: { THROTTLE_ADMIN_LIMIT: '1000' } });
const LOCAL = { remote: false };

const settled = () => t.app.get(RollupRecorder).idle();
const rebuild = () => t.app.get(RollupRebuildService).rebuild();

async function get(staff: RegisteredUser, url: string) {
  await settled();
  return t.request({ url, headers: bearer(staff.token) });
}

async function series(staff: RegisteredUser, query: string) {
  const res = await get(staff, `/api/admin/analytics?${query}`);
  expect(res.status).toBe(200);
  return res.body.data as { series: Record<string, number | string>[]; totals: Record<string, number> };
}

const column = (data: { series: Record<string, number | string>[] }, field: string) =>
  data.series.map((point) => point[field]);

describe('GET /api/admin/dashboard', () => {
  it('counts a new user and a call as they happen, and lists them first among the latest', async () => {
    const staff = await makeStaff(t, 'moderator');
    const before = (await get(staff, '/api/admin/dashboard')).body.data;

    const host = await makeUser(t);
    const guest = await makeUser(t);
    const call = await makeCall(t, host);
    expect((await callAction(t, guest, call.id, 'join')).status).toBe(200);
    const during = (await get(staff, '/api/admin/dashboard')).body.data;

    expect(during.users.total).toBe(before.users.total + 2);
    expect(during.users.newLast7Days).toBe(before.users.newLast7Days + 2);
    expect(during.calls.today).toBe(before.calls.today + 1);
    expect(during.calls.last7Days).toBe(before.calls.last7Days + 1);
    expect(during.calls.activeNow).toBe(before.calls.activeNow + 1);
    expect(during.latestCalls[0]).toMatchObject({
      id: call.id,
      status: 'active',
      host: { id: host.id, firstName: host.firstName, lastName: host.lastName },
    });
    expect(during.latestUsers.map((u: { id: string }) => u.id).slice(0, 2)).toEqual([guest.id, host.id]);
    expect(during.latestUsers[0]).toMatchObject({ email: guest.email, role: 'user', accountStatus: 'active' });
    expect(JSON.stringify(during)).not.toMatch(/password|tokenVersion/i);

    expect((await callAction(t, host, call.id, 'end')).status).toBe(200);
    const after = (await get(staff, '/api/admin/dashboard')).body.data;
    expect(after.calls.activeNow).toBe(before.calls.activeNow);
    expect(after.calls.averageDurationSeconds).not.toBeNull();
    expect(after.latestCalls[0]).toMatchObject({ id: call.id, status: 'ended' });
  });

  it('counts suspended accounts live, at most a minute old, and says when it counted them', async () => {
    const staff = await makeStaff(t, 'admin');
    const user = await makeUser(t);
    await t.app.get(LiveUserCountsService).refresh();
    const before = (await get(staff, '/api/admin/dashboard')).body.data.users;
    const db = await t.db();
    await db
      .collection('users')
      .updateOne({ _id: new Types.ObjectId(user.id) }, { $set: { accountStatus: 'suspended' } });
    // Within the minute the dashboard answers with the counts it has; a recount sees the change.
    expect((await get(staff, '/api/admin/dashboard')).body.data.users.suspended).toBe(before.suspended);
    await t.app.get(LiveUserCountsService).refresh();
    const after = (await get(staff, '/api/admin/dashboard')).body.data.users;
    expect(after.suspended).toBe(before.suspended + 1);
    expect(Date.parse(after.liveCountsAt)).toBeGreaterThan(Date.parse(before.liveCountsAt));
  });
});

describe('GET /api/admin/analytics from events with their own times', () => {
  it('puts 23:59:59.999 and 00:00 in different days and hours, and fills empty buckets with zeros', async () => {
    const staff = await makeStaff(t, 'moderator');
    const recorder = t.app.get(RollupRecorder);
    for (const at of ['2011-03-06T23:59:59.999Z', '2011-03-07T00:00:00.000Z', '2011-03-07T00:30:00.000Z']) {
      recorder.onRegistered({ userId: new Types.ObjectId().toHexString(), role: 'user', at }, LOCAL);
    }
    const endedCall = (startedAt: string, duration: number) =>
      recorder.onEnded(
        {
          callId: 'x'.repeat(22),
          channelName: 'c',
          reason: 'ended-by-host',
          endedBy: null,
          duration,
          callType: 'video',
          callMode: 'group',
          hostId: new Types.ObjectId().toHexString(),
          startedAt,
          endedAt: new Date(Date.parse(startedAt) + duration * 1000).toISOString(),
          participantIds: [],
        },
        LOCAL,
      );
    // A call's minutes count where it started, even when it ends the next day.
    endedCall('2011-03-06T23:59:00.000Z', 7200);
    endedCall('2011-03-07T00:00:00.000Z', 90);

    const days = await series(staff, 'startDate=2011-03-05&endDate=2011-03-08&granularity=day');
    expect(column(days, 'bucket')).toEqual([
      '2011-03-05T00:00:00.000Z',
      '2011-03-06T00:00:00.000Z',
      '2011-03-07T00:00:00.000Z',
      '2011-03-08T00:00:00.000Z',
    ]);
    expect(column(days, 'signUps')).toEqual([0, 1, 2, 0]);
    expect(column(days, 'callMinutes')).toEqual([0, 120, 1.5, 0]);
    expect(days.totals).toEqual({ signUps: 3, callsStarted: 0, callMinutes: 121.5 });

    const hours = await series(
      staff,
      'startDate=2011-03-06T22:00:00Z&endDate=2011-03-07T01:59:59.999Z&granularity=hour',
    );
    expect(column(hours, 'bucket')).toEqual([
      '2011-03-06T22:00:00.000Z',
      '2011-03-06T23:00:00.000Z',
      '2011-03-07T00:00:00.000Z',
      '2011-03-07T01:00:00.000Z',
    ]);
    expect(column(hours, 'signUps')).toEqual([0, 1, 2, 0]);
  });
});

describe('GET /api/admin/analytics from stored documents, through the rebuild', () => {
  it('counts sign-ups, calls, minutes and distinct callers at hour, day and ISO-week edges', async () => {
    const staff = await makeStaff(t, 'admin');
    const db = await t.db();
    const [alice, bob] = [new Types.ObjectId(), new Types.ObjectId()];
    const user = (_id: Types.ObjectId, createdAt: string) => ({
      _id,
      firstName: 'Old',
      lastName: 'Account',
      email: `${_id.toHexString()}@example.com`,
      passwordHash: 'x',
      role: 'user',
      accountStatus: 'active',
      isEmailVerified: false,
      subscription: { plan: 'free' },
      createdAt: new Date(createdAt),
      updatedAt: new Date(createdAt),
    });
    // 2012-03-11 is a Sunday: the ISO week of 2012-03-05 ends at its last millisecond.
    await db
      .collection('users')
      .insertMany([user(alice, '2012-03-11T23:59:59.999Z'), user(bob, '2012-03-12T00:00:00Z')]);
    const call = (n: number, startedAt: string, duration: number) => ({
      _id: `fixturecall${n}`.padEnd(22, '0'),
      channelName: `fixture-${n}-${Date.now()}`,
      title: 'Old call',
      callType: 'audio',
      callMode: 'group',
      createdBy: alice,
      hostId: alice,
      status: 'ended',
      maxParticipants: 4,
      startedAt: new Date(startedAt),
      endedAt: new Date(Date.parse(startedAt) + duration * 1000),
      duration,
      endReason: 'all-left',
      createdAt: new Date(startedAt),
      updatedAt: new Date(startedAt),
      lastActivityAt: new Date(startedAt),
    });
    await db
      .collection('calls')
      .insertMany([call(1, '2012-03-12T00:10:00Z', 600), call(2, '2012-03-12T09:00:00Z', 60)] as never[]);
    const participant = (n: number, userId: Types.ObjectId, joinedAt: string, leftAt: string) => ({
      _id: `fixturecall${n}`.padEnd(22, '0') + ':' + userId.toHexString(),
      callId: `fixturecall${n}`.padEnd(22, '0'),
      userId,
      role: 'participant',
      agoraUid: userId === alice ? 1 : 2,
      state: 'left',
      joinedAt: new Date(joinedAt),
      leftAt: new Date(leftAt),
    });
    await db
      .collection('call_participants')
      .insertMany([
        participant(1, alice, '2012-03-12T00:10:00Z', '2012-03-12T00:20:00Z'),
        participant(1, bob, '2012-03-12T00:11:00Z', '2012-03-12T00:20:00Z'),
        participant(2, alice, '2012-03-12T09:00:00Z', '2012-03-12T09:01:00Z'),
      ] as never[]);

    await rebuild();

    const weeks = await series(staff, 'startDate=2012-03-05&endDate=2012-03-18&granularity=week');
    expect(column(weeks, 'bucket')).toEqual(['2012-03-05T00:00:00.000Z', '2012-03-12T00:00:00.000Z']);
    expect(column(weeks, 'signUps')).toEqual([1, 1]);
    expect(column(weeks, 'callsStarted')).toEqual([0, 2]);
    expect(column(weeks, 'callMinutes')).toEqual([0, 11]);
    // Alice took part in both calls of that week: one distinct caller, not two.
    expect(column(weeks, 'distinctCallers')).toEqual([0, 2]);

    const hours = await series(staff, 'startDate=2012-03-12T00:00:00Z&endDate=2012-03-12T09:59:59Z&granularity=hour');
    expect(hours.series).toHaveLength(10);
    expect(column(hours, 'callsStarted')).toEqual([1, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    expect(column(hours, 'distinctCallers')).toEqual([2, 0, 0, 0, 0, 0, 0, 0, 0, 1]);

    const months = await series(staff, 'startDate=2012-02-15&endDate=2012-03-31&granularity=month');
    expect(column(months, 'bucket')).toEqual(['2012-02-01T00:00:00.000Z', '2012-03-01T00:00:00.000Z']);
    expect(column(months, 'distinctCallers')).toEqual([0, 2]);
  });
});

describe('GET /api/admin/analytics validation', () => {
  let staff: RegisteredUser;
  beforeAll(async () => {
    staff = await makeStaff(t, 'moderator');
  });
  const ask = (query: string) => t.request({ url: `/api/admin/analytics?${query}`, headers: bearer(staff.token) });

  it.each([
    ['an end before the start', 'startDate=2026-02-01&endDate=2026-01-01', 'endDate', /after startDate/],
    ['367 days of days', 'startDate=2019-01-01&endDate=2020-01-02&granularity=day', 'endDate', /more than 366/],
    ['an unknown granularity', 'startDate=2026-01-01&endDate=2026-01-02&granularity=minute', 'granularity', /./],
    ['a day that does not exist', 'startDate=2026-02-30&endDate=2026-03-02', 'startDate', /date/],
    ['a missing endDate', 'startDate=2026-01-01', 'endDate', /./],
    ['an unknown parameter', 'startDate=2026-01-01&endDate=2026-01-02&zone=1', 'zone', /./],
  ])('refuses %s (400)', async (_name, query, field, message) => {
    const res = await ask(query);
    expect(res.status).toBe(400);
    expect(res.body.errorCode).toBe('BAD_REQUEST');
    const error = res.body.errors.find((e: { field: string }) => e.field === field);
    expect(error?.message).toMatch(message);
  });

  it('accepts 366 days of days (a leap year) and the same day as start and end', async () => {
    expect((await series(staff, 'startDate=2020-01-01&endDate=2020-12-31')).series).toHaveLength(366);
    expect((await series(staff, 'startDate=2020-01-01&endDate=2020-01-01')).series).toHaveLength(1);
  });

  it('refuses an unknown period on the call and user analytics (400)', async () => {
    for (const path of ['calls', 'users']) {
      const res = await t.request({ url: `/api/admin/analytics/${path}?period=2w`, headers: bearer(staff.token) });
      expect(res.status).toBe(400);
    }
  });
});

describe('GET /api/admin/analytics/calls and /users', () => {
  it('breaks down the calls of the period and the users, with the top hosts', async () => {
    const staff = await makeStaff(t, 'moderator');
    const before = (await get(staff, '/api/admin/analytics/calls?period=24h')).body.data;
    const host = await makeUser(t);
    const guest = await makeUser(t);
    const call = await makeCall(t, host, { callType: 'audio' });
    expect((await callAction(t, guest, call.id, 'join')).status).toBe(200);
    expect((await callAction(t, host, call.id, 'end')).status).toBe(200);

    const calls = (await get(staff, '/api/admin/analytics/calls?period=24h')).body.data;
    expect(calls.callsStarted).toBe(before.callsStarted + 1);
    expect(calls.byType.audio).toBe(before.byType.audio + 1);
    expect(calls.byMode.group).toBe(before.byMode.group + 1);
    expect(calls.byEndReason['ended-by-host']).toBe(before.byEndReason['ended-by-host'] + 1);
    expect(calls.durationBinSeconds).toBe(60);
    expect(calls.medianDurationSeconds).toBe(30);
    expect(calls.peakConcurrentParticipants).toBeGreaterThanOrEqual(2);

    const users = (await get(staff, '/api/admin/analytics/users?period=7d')).body.data;
    expect(users.newUsers).toBeGreaterThanOrEqual(3);
    expect(users.byRole.moderator).toBeGreaterThanOrEqual(1);
    expect(users.byPlan.free).toBeGreaterThanOrEqual(2);
    expect(users.byVerification.unverified).toBeGreaterThanOrEqual(2);
    expect(users.topHosts).toContainEqual({
      id: host.id,
      firstName: host.firstName,
      lastName: host.lastName,
      calls: 1,
    });
  });
});

/** A stored rollup document without its zero counters, also inside packed day and hour buckets. */
function withoutZeros(doc: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(doc)
      .filter(([, value]) => value !== 0)
      .map(([key, value]) => [
        key,
        typeof value === 'object' && value !== null && !(value instanceof Date)
          ? withoutZeros(value as Record<string, unknown>)
          : value,
      ]),
  );
}

/** The rollup documents and caller markers as stored, with zero counters left out (absent means 0). */
async function snapshot(app: TestApp) {
  const db = await app.db();
  const rollups = await db.collection('analytics_rollups').find({}).sort({ _id: 1 }).toArray();
  const markers = await db.collection('analytics_callers').find({}).sort({ _id: 1 }).toArray();
  const counters = rollups.filter((doc) => !String(doc._id).startsWith('recent:')).map((doc) => withoutZeros(doc));
  const recent = rollups
    .filter((doc) => String(doc._id).startsWith('recent:'))
    .map((doc) => ({
      _id: doc._id,
      ids: Object.entries(doc)
        .filter(([key]) => /^s\d+$/.test(key))
        .map(([, entry]) => entry as { id: string; at: Date })
        .sort(newestFirst)
        .map((entry) => entry.id),
    }));
  return { counters, recent, markers: markers.map((m) => m._id) };
}

describe('rebuilding the rollups', () => {
  it('recomputes from users, calls and participants exactly what was kept live', async () => {
    await rebuild();
    const staff = await makeStaff(t, 'admin');
    const users = await Promise.all([makeUser(t), makeUser(t), makeUser(t)]);
    const [a, b, c] = users;
    const first = await makeCall(t, a);
    expect((await callAction(t, b, first.id, 'join')).status).toBe(200);
    expect((await callAction(t, c, first.id, 'join')).status).toBe(200);
    expect((await callAction(t, c, first.id, 'leave')).status).toBe(200);
    expect((await callAction(t, a, first.id, 'end')).status).toBe(200);
    const second = await makeCall(t, b, { callType: 'audio' });
    expect((await callAction(t, a, second.id, 'join')).status).toBe(200);
    await makeCall(t, c, { scheduledFor: new Date(Date.now() + 3_600_000).toISOString() });
    expect((await get(staff, '/api/admin/dashboard')).status).toBe(200);

    await settled();
    const live = await snapshot(t);
    expect(live.counters.length).toBeGreaterThan(5);
    expect(live.markers.length).toBeGreaterThan(0);

    const db = await t.db();
    await db.collection('analytics_rollups').deleteMany({});
    await db.collection('analytics_callers').deleteMany({});
    const summary = await rebuild();
    expect(summary.users).toBeGreaterThanOrEqual(4);

    expect(await snapshot(t)).toEqual(live);
  });
});
