import { randomBytes } from 'node:crypto';
import { getConnectionToken } from '@nestjs/mongoose';
import { Connection, Types } from 'mongoose';
import { CallsHousekeeping } from '../../apps/api/src/modules/calls/calls.housekeeping';
import { newCallId } from '../../apps/api/src/modules/calls/call-rules';
import { callAction, getCall, makeCall } from '../factories/calls';
import { bearer, makeUser } from '../factories/users';
import { RecordedEvent, recordEvents, startTestApp, useTestApp } from '../support/app';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- the package's parser has no typings
const { AccessToken2 } = require('agora-token/src/AccessToken2');

const APP_ID = randomBytes(16).toString('hex');
const APP_CERTIFICATE = randomBytes(16).toString('hex');

/** Parses a "007" token: app id, channel, uid and the RTC privileges. */
function parseToken(token: string) {
  const parsed = new AccessToken2();
  expect(parsed.from_string(token)).toBe(true);
  const rtc = parsed.services.find((s: { service_type(): number }) => s.service_type() === 1);
  return {
    appId: String(parsed.appId),
    channel: String(rtc.__channel_name),
    uid: String(rtc.__uid),
    privileges: rtc.__privileges as Record<string, number>,
  };
}

describe('calls: lifecycle', () => {
  const t = useTestApp({
    env: { AGORA_APP_ID: APP_ID, AGORA_APP_CERTIFICATE: APP_CERTIFICATE, AGORA_TOKEN_TTL: '3600' },
  });
  let events: RecordedEvent[];

  beforeAll(async () => {
    events = recordEvents(t, 'call.');
  });

  const eventsOf = (callId: string) => events.filter((e) => e.payload.callId === callId).map((e) => e.name);

  it('POST /api/calls creates an active call with the host joined and a valid Agora token', async () => {
    const host = await makeUser(t);
    const invitee = await makeUser(t);
    const res = await t.request({
      method: 'POST',
      url: '/api/calls',
      headers: bearer(host.token),
      body: {
        callType: 'video',
        callMode: 'group',
        title: '  Team Meeting  ',
        description: 'Weekly team sync',
        maxParticipants: 10,
        settings: { allowChat: true, allowScreenShare: true, requirePassword: true, password: 'secret-42' },
        inviteUserIds: [invitee.id],
      },
    });
    expect(res.status).toBe(201);
    expect(res.body.message).toBe('Call created successfully');
    const call = res.body.data.call;
    expect(call).toMatchObject({
      id: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/),
      channelName: expect.stringMatching(/^vc_[0-9a-f]{32}$/),
      title: 'Team Meeting',
      description: 'Weekly team sync',
      callType: 'video',
      callMode: 'group',
      status: 'active',
      maxParticipants: 10,
      joinedCount: 1,
      scheduledFor: null,
      startedAt: expect.any(String),
      settings: {
        allowChat: true,
        allowScreenShare: true,
        allowRecording: false,
        muteOnJoin: false,
        requirePassword: true,
      },
      host: { id: host.id, firstName: host.firstName, lastName: host.lastName },
      participants: [{ user: { id: host.id }, role: 'host', agoraUid: 1, state: 'joined' }],
      invitations: [{ user: { id: invitee.id }, status: 'pending', invitedBy: host.id }],
      agoraConfig: { uid: 1, channelName: call.channelName, appId: APP_ID, expiry: expect.any(String) },
    });
    expect(res.text).not.toMatch(/password"|passwordHash|"__v"|"_id"|secret-42/);
    const token = parseToken(call.agoraConfig.token);
    expect(token).toMatchObject({ appId: APP_ID, channel: call.channelName, uid: '1' });
    expect(Object.keys(token.privileges).map(Number).sort()).toEqual([1, 2, 3, 4]);
    const expiresIn = Date.parse(call.agoraConfig.expiry) - Date.now();
    expect(expiresIn).toBeGreaterThan(3500_000);
    expect(expiresIn).toBeLessThanOrEqual(3600_000);
    expect(eventsOf(call.id)).toEqual(['call.created', 'call.participant.joined', 'call.invited']);
  });

  it('gives every call its own channel name', async () => {
    const host = await makeUser(t);
    const [a, b] = await Promise.all([makeCall(t, host), makeCall(t, host)]);
    expect(a.channelName).not.toBe(b.channelName);
  });

  it('a future scheduledFor makes the call scheduled; the first join starts it', async () => {
    const host = await makeUser(t);
    const guest = await makeUser(t);
    const when = new Date(Date.now() + 3600_000).toISOString();
    const call = await makeCall(t, host, { scheduledFor: when });
    expect(call).toMatchObject({ status: 'scheduled', scheduledFor: when, startedAt: null, joinedCount: 0 });
    expect(call.agoraConfig).toBeNull();
    const join = await callAction(t, guest, call.id, 'join');
    expect(join.status).toBe(200);
    expect(join.body.data.call).toMatchObject({ status: 'active', startedAt: expect.any(String), joinedCount: 1 });
    expect(join.body.data.agoraToken.uid).toBe(1);
    expect(
      events.find((e) => e.name === 'call.participant.joined' && e.payload.callId === call.id)?.payload,
    ).toMatchObject({ userId: guest.id, callStarted: true, agoraUid: 1, channelName: call.channelName });
  });

  it.each([
    ['callType', { callType: 'hologram' }],
    ['callMode', { callMode: 'broadcast' }],
    ['title', { title: '   ' }],
    ['title', { title: 'x'.repeat(101) }],
    ['description', { description: 'x'.repeat(1001) }],
    ['maxParticipants', { maxParticipants: 101 }],
    ['maxParticipants', { maxParticipants: 1 }],
    ['maxParticipants', { callMode: 'one-to-one', maxParticipants: 3 }],
    ['scheduledFor', { scheduledFor: 'tomorrow' }],
    ['settings.password', { settings: { requirePassword: true } }],
    ['settings.password', { settings: { requirePassword: true, password: 'abc' } }],
    ['settings.password', { settings: { requirePassword: true, password: 'x'.repeat(65) } }],
    ['inviteUserIds', { inviteUserIds: ['nope'] }],
    ['inviteUserIds', { inviteUserIds: ['665f1c2ab3e4d5f6a7b8c9d0', '665F1C2AB3E4D5F6A7B8C9D0'] }],
    ['color', { color: 'red' }],
  ])('refuses a bad %s with 400', async (field, override) => {
    const host = await makeUser(t);
    const res = await t.request({
      method: 'POST',
      url: '/api/calls',
      headers: bearer(host.token),
      body: { callType: 'video', callMode: 'group', title: 'Call', ...override },
    });
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
  });

  it('refuses inviting yourself or more than maxParticipants - 1 (400) and unknown users (404)', async () => {
    const host = await makeUser(t);
    const [a, b] = await Promise.all([makeUser(t), makeUser(t)]);
    const create = (body: Record<string, unknown>) =>
      t.request({
        method: 'POST',
        url: '/api/calls',
        headers: bearer(host.token),
        body: { callType: 'audio', callMode: 'group', title: 'Call', ...body },
      });
    expect((await create({ inviteUserIds: [host.id] })).status).toBe(400);
    expect((await create({ maxParticipants: 2, inviteUserIds: [a.id, b.id] })).status).toBe(400);
    expect((await create({ callMode: 'one-to-one', inviteUserIds: [a.id, b.id] })).status).toBe(400);
    const unknown = await create({ inviteUserIds: [new Types.ObjectId().toHexString()] });
    expect(unknown.status).toBe(404);
    expect(unknown.body.errorCode).toBe('NOT_FOUND');
  });

  it('GET /api/calls/:id returns the details; unknown and malformed ids are 404', async () => {
    const host = await makeUser(t);
    const call = await makeCall(t, host);
    const res = await getCall(t, host, call.id);
    expect(res.status).toBe(200);
    expect(res.body.data.call).toMatchObject({ id: call.id, status: 'active', participants: [{ role: 'host' }] });
    expect(res.body.data.call.agoraConfig).toBeUndefined();
    expect(res.text).not.toMatch(/passwordHash|"__v"|"_id"/);
    for (const id of [newCallId(), new Types.ObjectId().toHexString(), 'not-an-id', '123']) {
      const missing = await getCall(t, host, id);
      expect(missing.status).toBe(404);
      expect(missing.body.errorCode).toBe('NOT_FOUND');
    }
  });

  it('join answers { call, agoraToken }; joining twice returns the same participant; a rejoin keeps the uid', async () => {
    const host = await makeUser(t);
    const guest = await makeUser(t);
    const call = await makeCall(t, host, { callType: 'audio', settings: { muteOnJoin: true } });
    const first = await callAction(t, guest, call.id, 'join');
    expect(first.status).toBe(200);
    expect(first.body.message).toBe('Joined call successfully');
    const { agoraToken } = first.body.data;
    expect(agoraToken).toMatchObject({ uid: 2, channelName: call.channelName, token: expect.any(String) });
    expect(new Date(agoraToken.expiry).toISOString()).toBe(agoraToken.expiry);
    expect(parseToken(agoraToken.token)).toMatchObject({ channel: call.channelName, uid: '2' });
    const me = first.body.data.call.participants.find((p: { user: { id: string } }) => p.user.id === guest.id);
    expect(me).toMatchObject({ role: 'participant', state: 'joined', audioEnabled: false, videoEnabled: false });

    const again = await callAction(t, guest, call.id, 'join');
    expect(again.status).toBe(200);
    expect(again.body.data.agoraToken.uid).toBe(2);
    expect(again.body.data.call.joinedCount).toBe(2);

    expect((await callAction(t, guest, call.id, 'leave')).status).toBe(200);
    const rejoin = await callAction(t, guest, call.id, 'join');
    expect(rejoin.body.data.agoraToken.uid).toBe(2);
    expect(rejoin.body.data.call.joinedCount).toBe(2);
  });

  it('GET /api/calls/:id/token issues a fresh token to a current participant only', async () => {
    const host = await makeUser(t);
    const other = await makeUser(t);
    const call = await makeCall(t, host);
    const res = await getCall(t, host, `${call.id}/token`);
    expect(res.status).toBe(200);
    expect(res.body.data.agoraToken).toMatchObject({ uid: 1, channelName: call.channelName, appId: APP_ID });
    expect(parseToken(res.body.data.agoraToken.token)).toMatchObject({ appId: APP_ID, uid: '1' });
    expect((await getCall(t, other, `${call.id}/token`)).status).toBe(403);
  });

  it('a leaving host hands over to the earliest-joined participant (call.host.changed)', async () => {
    const host = await makeUser(t);
    const [a, b] = await Promise.all([makeUser(t), makeUser(t)]);
    const call = await makeCall(t, host);
    await callAction(t, a, call.id, 'join');
    await callAction(t, b, call.id, 'join');
    const res = await callAction(t, host, call.id, 'leave');
    expect(res.status).toBe(200);
    expect(res.body.data.call).toMatchObject({ status: 'active', joinedCount: 2, host: { id: a.id } });
    const roles = Object.fromEntries(
      res.body.data.call.participants.map((p: { user: { id: string }; role: string }) => [p.user.id, p.role]),
    );
    expect(roles).toEqual({ [host.id]: 'participant', [a.id]: 'host', [b.id]: 'participant' });
    expect(events.find((e) => e.name === 'call.host.changed' && e.payload.callId === call.id)?.payload).toMatchObject({
      previousHostId: host.id,
      newHostId: a.id,
    });
    expect((await callAction(t, a, call.id, 'end')).status).toBe(200);
  });

  it('the last one out ends the call with reason all-left', async () => {
    const host = await makeUser(t);
    const guest = await makeUser(t);
    const call = await makeCall(t, host);
    await callAction(t, guest, call.id, 'join');
    await callAction(t, host, call.id, 'leave');
    const res = await callAction(t, guest, call.id, 'leave');
    expect(res.body.data.call).toMatchObject({ status: 'ended', endReason: 'all-left', joinedCount: 0 });
    expect(eventsOf(call.id)).toContain('call.ended');
  });

  it('leave: 409 when not joined (or ended), 403 without any relation to the call', async () => {
    const host = await makeUser(t);
    const stranger = await makeUser(t);
    const guest = await makeUser(t);
    const call = await makeCall(t, host);
    expect((await callAction(t, stranger, call.id, 'leave')).status).toBe(403);
    await callAction(t, guest, call.id, 'join');
    await callAction(t, guest, call.id, 'leave');
    const twice = await callAction(t, guest, call.id, 'leave');
    expect(twice.status).toBe(409);
    expect(twice.body.errorCode).toBe('CONFLICT');
  });

  it('end: host only; everyone left, duration and reason set; ending twice is 409; joining then is 409', async () => {
    const host = await makeUser(t);
    const guest = await makeUser(t);
    const late = await makeUser(t);
    const call = await makeCall(t, host);
    await callAction(t, guest, call.id, 'join');
    const denied = await callAction(t, guest, call.id, 'end');
    expect(denied.status).toBe(403);
    expect(denied.body.errorCode).toBe('FORBIDDEN');
    const res = await callAction(t, host, call.id, 'end');
    expect(res.status).toBe(200);
    expect(res.body.data.call).toMatchObject({
      status: 'ended',
      endReason: 'ended-by-host',
      endedAt: expect.any(String),
      duration: expect.any(Number),
      joinedCount: 0,
    });
    expect(res.body.data.call.participants.every((p: { state: string }) => p.state === 'left')).toBe(true);
    expect(events.find((e) => e.name === 'call.ended' && e.payload.callId === call.id)?.payload).toMatchObject({
      reason: 'ended-by-host',
      endedBy: host.id,
      participantIds: expect.arrayContaining([host.id, guest.id]),
    });
    expect((await callAction(t, host, call.id, 'end')).status).toBe(409);
    expect((await callAction(t, late, call.id, 'join')).status).toBe(409);
  });

  it('GET /api/calls/active lists calls you host, joined or are invited to; history lists ended ones', async () => {
    const host = await makeUser(t);
    const me = await makeUser(t);
    const hosted = await makeCall(t, me);
    const joined = await makeCall(t, host);
    await callAction(t, me, joined.id, 'join');
    const invited = await makeCall(t, host, { inviteUserIds: [me.id] });
    const unrelated = await makeCall(t, host);
    const active = await getCall(t, me, 'active');
    expect(active.status).toBe(200);
    const ids = active.body.data.calls.map((c: { id: string }) => c.id);
    expect(ids.sort()).toEqual([hosted.id, joined.id, invited.id].sort());
    expect(ids).not.toContain(unrelated.id);

    await callAction(t, host, joined.id, 'end');
    await callAction(t, me, hosted.id, 'end');
    await callAction(t, host, invited.id, 'end');
    const history = await getCall(t, me, 'history?limit=1');
    expect(history.status).toBe(200);
    expect(history.body.data).toMatchObject({ total: 2, limit: 1, skip: 0 });
    expect(history.body.data.calls[0].id).toBe(hosted.id);
    const second = await getCall(t, me, 'history?limit=1&skip=1');
    expect(second.body.data.calls[0].id).toBe(joined.id);
    expect((await getCall(t, me, 'active')).body.data.calls).toEqual([]);
    for (const q of ['limit=0', 'limit=101', 'skip=-1', 'limit=abc']) {
      expect((await getCall(t, me, `history?${q}`)).status).toBe(400);
    }
  });

  it('housekeeping ends idle active calls and scheduled calls that never started', async () => {
    const host = await makeUser(t);
    const idle = await makeCall(t, host);
    const busy = await makeCall(t, host);
    const scheduled = await makeCall(t, host, { scheduledFor: new Date(Date.now() + 3600_000).toISOString() });
    // An active call nobody is in any more (e.g. clients that vanished without leaving).
    const db = t.app.get<Connection>(getConnectionToken());
    await db.collection('calls').updateOne({ _id: idle.id as never }, { $set: { joinedCount: 0 } });
    // The busy call's host keeps showing signs of life until past the last sweep below (else the
    // rule for quiet participants would mark them left, and the call would end `all-left`).
    await db
      .collection('call_participants')
      .updateOne(
        { _id: `${busy.id}:${host.id}` as never },
        { $set: { lastActiveAt: new Date(Date.now() + 27 * 3600_000) } },
      );
    const housekeeping = t.app.get(CallsHousekeeping);

    const soon = await housekeeping.sweep(new Date(Date.now() + 60_000));
    expect(soon).toEqual({ idle: 0, expired: 0, quiet: 0 });
    await housekeeping.sweep(new Date(Date.now() + 11 * 60_000));
    expect((await getCall(t, host, idle.id)).body.data.call).toMatchObject({ status: 'ended', endReason: 'idle' });
    expect((await getCall(t, host, busy.id)).body.data.call.status).toBe('active');
    expect((await getCall(t, host, scheduled.id)).body.data.call.status).toBe('scheduled');

    await housekeeping.sweep(new Date(Date.now() + 26 * 3600_000));
    expect((await getCall(t, host, scheduled.id)).body.data.call).toMatchObject({
      status: 'ended',
      endReason: 'expired',
      duration: 0,
    });
    expect((await getCall(t, host, busy.id)).body.data.call.status).toBe('active');
    // The open-call register holds the calls still open, and only them.
    const entries = await db
      .collection('open_calls')
      .find({ _id: { $in: [idle.id, busy.id, scheduled.id] } } as never)
      .toArray();
    expect(entries.map((entry) => entry._id)).toEqual([busy.id]);
  });

  it('a new process enters open calls stored without a register entry and drops entries of calls that are not open', async () => {
    const host = await makeUser(t);
    const old = await makeCall(t, host);
    const db = await t.db();
    // As if stored before the register existed, and left idle.
    await db.collection('open_calls').deleteOne({ _id: old.id as never });
    await db.collection('calls').updateOne({ _id: old.id as never }, { $set: { joinedCount: 0 } });
    // An entry whose call was never stored (a crash between the two writes of a create).
    const ghost = newCallId();
    await db.collection('open_calls').insertOne({ _id: ghost as never, openedAt: new Date() });

    // Passport keeps one JWT strategy per process, set by the last app started: the same secret, and
    // every request through `t` made before `next` closes (its strategy serves `t` too until then).
    const next = await startTestApp({ env: { MONGODB_URI: t.config.database.uri!, JWT_SECRET: t.config.jwt.secret } });
    try {
      const swept = await next.app.get(CallsHousekeeping).sweep(new Date(Date.now() + 11 * 60_000));
      expect(swept.idle).toBeGreaterThanOrEqual(1);
      const after = await getCall(t, host, old.id);
      expect(after.body).toMatchObject({ data: { call: { status: 'ended', endReason: 'idle' } } });
      expect(await db.collection('open_calls').countDocuments({ _id: { $in: [old.id, ghost] } })).toBe(0);
    } finally {
      await next.close();
    }
  });
});
