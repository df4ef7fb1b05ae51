import { randomBytes } from 'node:crypto';
import { callAction, getCall, makeCall } from '../factories/calls';
import { bearer, makeStaff, makeUser, RegisteredUser } from '../factories/users';
import { recordEvents, RecordedEvent, useTestApp } from '../support/app';
import { closeSockets, connectSocket, emitWithAck, listenForSockets, nextEvent } from '../support/sockets';

/** Admin call management: list, details, end, participants and kick (spec "Admin Endpoints"). */

// One staff account makes every admin request of this file: the admin limit (50 a minute across admin
// routes, proved in rate-limit and security-limits) is raised so it never decides a test here.
const t = useTestApp({ env: { THROTTLE_ADMIN_LIMIT: '1000' } });
let url: string;
let moderator: RegisteredUser;
let events: RecordedEvent[];

beforeAll(async () => {
  url = await listenForSockets(t);
  moderator = await makeStaff(t, 'moderator');
  events = recordEvents(t, 'call.');
});
afterEach(() => closeSockets());

const admin = (path: string, method: 'GET' | 'POST' = 'GET') =>
  t.request({ method, url: `/api/admin/calls${path}`, headers: bearer(moderator.token) });

const unknownCallId = () => randomBytes(16).toString('base64url');

/** A group call whose host and guest are both joined; `inRoom` connects both and runs join-room. */
async function callWithGuest(inRoom = false) {
  const [host, guest] = await Promise.all([makeUser(t), makeUser(t)]);
  const call = await makeCall(t, host, { inviteUserIds: [guest.id] });
  expect((await callAction(t, guest, call.id, 'join')).status).toBe(200);
  if (!inRoom) return { callId: call.id as string, host, guest };
  const [hostSocket, guestSocket] = await Promise.all([
    connectSocket(url, host.token),
    connectSocket(url, guest.token),
  ]);
  expect(await emitWithAck(hostSocket, 'join-room', { roomId: call.id })).toMatchObject({ success: true });
  const joined = nextEvent(hostSocket, 'user-joined');
  expect(await emitWithAck(guestSocket, 'join-room', { roomId: call.id })).toMatchObject({ success: true });
  await joined;
  return { callId: call.id as string, host, guest, hostSocket, guestSocket };
}

/** The call's joined count and how many participant documents say joined: they must agree. */
async function joinedCounts(callId: string): Promise<{ count: number; joined: number }> {
  const db = await t.db();
  const call = await db.collection<{ _id: string; joinedCount: number }>('calls').findOne({ _id: callId });
  const joined = await db.collection('call_participants').countDocuments({ callId, state: 'joined' });
  return { count: call?.joinedCount ?? -1, joined };
}

describe('GET /api/admin/calls', () => {
  it('filters by status, type, mode and host, newest first, with the pagination block', async () => {
    const host = await makeUser(t);
    const other = await makeUser(t);
    const video = await makeCall(t, host, { callType: 'video', callMode: 'group' });
    const audio = await makeCall(t, host, { callType: 'audio', callMode: 'group' });
    const oneToOne = await makeCall(t, host, { callType: 'video', callMode: 'one-to-one', inviteUserIds: [other.id] });
    const scheduled = await makeCall(t, host, { scheduledFor: new Date(Date.now() + 3_600_000).toISOString() });
    await makeCall(t, other);
    expect((await callAction(t, host, audio.id, 'end')).status).toBe(200);

    const all = await admin(`?hostId=${host.id}`);
    expect(all.status).toBe(200);
    expect(all.body.data.calls.map((c: { id: string }) => c.id)).toEqual([
      scheduled.id,
      oneToOne.id,
      audio.id,
      video.id,
    ]);
    expect(all.body.data.pagination).toEqual({ page: 1, limit: 20, total: 4, pages: 1 });

    const ids = async (query: string) =>
      (await admin(`?hostId=${host.id}&${query}`)).body.data.calls.map((c: { id: string }) => c.id);
    expect(await ids('status=ended')).toEqual([audio.id]);
    expect(await ids('status=scheduled')).toEqual([scheduled.id]);
    expect(await ids('status=active&callType=video')).toEqual([oneToOne.id, video.id]);
    expect(await ids('callType=audio')).toEqual([audio.id]);
    expect(await ids('callMode=one-to-one')).toEqual([oneToOne.id]);
    expect(await ids('callMode=group&status=active')).toEqual([video.id]);
    const upper = await admin(`?hostId=${host.id.toUpperCase()}&callType=audio`);
    expect(upper.body.data.calls.map((c: { id: string }) => c.id)).toEqual([audio.id]);
  });

  it('bounds the creation time with from (inclusive) and to (exclusive)', async () => {
    const host = await makeUser(t);
    const [early, middle, late] = [await makeCall(t, host), await makeCall(t, host), await makeCall(t, host)];
    const db = await t.db();
    const at = (iso: string) => new Date(iso);
    await db.collection('calls').updateOne({ _id: early.id }, { $set: { createdAt: at('2026-03-01T09:59:59.999Z') } });
    await db.collection('calls').updateOne({ _id: middle.id }, { $set: { createdAt: at('2026-03-01T10:00:00.000Z') } });
    await db.collection('calls').updateOne({ _id: late.id }, { $set: { createdAt: at('2026-03-02T00:00:00.000Z') } });
    const ids = async (query: string) =>
      (await admin(`?hostId=${host.id}&${query}`)).body.data.calls.map((c: { id: string }) => c.id);

    expect(await ids('from=2026-03-01T10:00:00Z')).toEqual([late.id, middle.id]);
    expect(await ids('to=2026-03-01T10:00:00Z')).toEqual([early.id]);
    expect(await ids('from=2026-03-01T10:00:00Z&to=2026-03-02T00:00:00Z')).toEqual([middle.id]);
    expect(await ids('from=2026-03-01T11:00:00%2B01:00&to=2026-03-01T10:00:00.001Z')).toEqual([middle.id]);
  });

  it('pages with page and limit: total and pages count every match', async () => {
    const host = await makeUser(t);
    const made: string[] = [];
    for (let i = 0; i < 3; i += 1) made.push((await makeCall(t, host)).id);
    const first = await admin(`?hostId=${host.id}&limit=2`);
    expect(first.body.data.calls.map((c: { id: string }) => c.id)).toEqual([made[2], made[1]]);
    expect(first.body.data.pagination).toEqual({ page: 1, limit: 2, total: 3, pages: 2 });
    const second = await admin(`?hostId=${host.id}&limit=2&page=2`);
    expect(second.body.data.calls.map((c: { id: string }) => c.id)).toEqual([made[0]]);
    expect(second.body.data.pagination).toEqual({ page: 2, limit: 2, total: 3, pages: 2 });
    const beyond = await admin(`?hostId=${host.id}&limit=2&page=3`);
    expect(beyond.body.data).toEqual({ calls: [], pagination: { page: 3, limit: 2, total: 3, pages: 2 } });
    const none = await admin(`?hostId=${(await makeUser(t)).id}`);
    expect(none.body.data.pagination).toEqual({ page: 1, limit: 20, total: 0, pages: 0 });
    expect((await admin(`?hostId=${host.id}&limit=100`)).status).toBe(200);
  });

  it.each([
    ['limit=101', 'limit'],
    ['limit=0', 'limit'],
    ['limit=abc', 'limit'],
    ['page=0', 'page'],
    ['page=1.5', 'page'],
    ['status=open', 'status'],
    ['callType=chat', 'callType'],
    ['callMode=many', 'callMode'],
    ['hostId=not-an-id', 'hostId'],
    ['from=yesterday', 'from'],
    ['to=2026-03-01', 'to'],
    ['from=2026-03-02T00:00:00Z&to=2026-03-01T00:00:00Z', 'to'],
    ['from=2026-03-01T00:00:00Z&to=2026-03-01T00:00:00Z', 'to'],
    ['sort=title', 'sort'],
  ])('refuses %s with 400 naming the field', async (query, field) => {
    const res = await admin(`?${query}`);
    expect(res.status).toBe(400);
    expect(res.body.errorCode).toBe('BAD_REQUEST');
    expect(res.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
  });
});

describe('GET /api/admin/calls/:callId and /participants', () => {
  it('shows any call in full with its participants, invitations and message count', async () => {
    const { callId, host, guest } = await callWithGuest();
    const invitee = await makeUser(t);
    expect((await callAction(t, host, callId, 'invite', { userIds: [invitee.id] })).status).toBe(200);
    for (const message of ['hello', 'hi']) {
      expect((await callAction(t, guest, callId, 'chat', { message })).status).toBe(201);
    }
    expect((await callAction(t, guest, callId, 'leave')).status).toBe(200);

    const res = await admin(`/${callId}`);
    expect(res.status).toBe(200);
    const { call } = res.body.data;
    expect(call).toMatchObject({ id: callId, status: 'active', joinedCount: 1, messageCount: 2 });
    expect(call.host.id).toBe(host.id);
    expect(call.participants).toEqual([
      expect.objectContaining({ user: expect.objectContaining({ id: host.id }), role: 'host', state: 'joined' }),
      expect.objectContaining({ user: expect.objectContaining({ id: guest.id }), role: 'participant', state: 'left' }),
    ]);
    expect(call.invitations.map((i: { user: { id: string } }) => i.user.id)).toEqual([guest.id, invitee.id]);

    const participants = await admin(`/${callId}/participants`);
    expect(participants.status).toBe(200);
    expect(participants.body.data.participants).toEqual(call.participants);
  });

  it('answers 404 for an unknown or malformed call id', async () => {
    for (const id of [unknownCallId(), 'nope']) {
      expect((await admin(`/${id}`)).status).toBe(404);
      expect((await admin(`/${id}/participants`)).status).toBe(404);
    }
  });
});

describe('POST /api/admin/calls/:callId/end', () => {
  it('ends the call with ended-by-admin: the room hears call-ended, REST and history show the reason', async () => {
    const { callId, host, guest, hostSocket, guestSocket } = await callWithGuest(true);
    const heard = Promise.all([nextEvent(hostSocket!, 'call-ended'), nextEvent(guestSocket!, 'call-ended')]);
    const res = await admin(`/${callId}/end`, 'POST');
    expect(res.status).toBe(200);
    expect(res.body.data.call).toMatchObject({
      id: callId,
      status: 'ended',
      endReason: 'ended-by-admin',
      joinedCount: 0,
    });
    expect(res.body.data.call.participants.every((p: { state: string }) => p.state === 'left')).toBe(true);
    for (const payload of await heard) {
      expect(payload).toMatchObject({ callId, roomId: callId, reason: 'ended-by-admin' });
    }
    expect(events).toContainEqual({
      name: 'call.ended',
      payload: expect.objectContaining({ callId, reason: 'ended-by-admin', endedBy: moderator.id }),
    });

    expect((await getCall(t, host, callId)).body.data.call).toMatchObject({
      status: 'ended',
      endReason: 'ended-by-admin',
    });
    const history = await getCall(t, guest, 'history');
    expect(history.body.data.calls).toContainEqual(
      expect.objectContaining({ id: callId, endReason: 'ended-by-admin' }),
    );
    expect((await admin(`?hostId=${host.id}&status=ended`)).body.data.calls[0].endReason).toBe('ended-by-admin');
  });

  it('answers 409 for a call that has already ended and 404 for an unknown one', async () => {
    const host = await makeUser(t);
    const call = await makeCall(t, host);
    expect((await callAction(t, host, call.id, 'end')).status).toBe(200);
    const again = await admin(`/${call.id}/end`, 'POST');
    expect(again.status).toBe(409);
    expect(again.body.errorCode).toBe('CONFLICT');
    expect((await admin(`/${unknownCallId()}/end`, 'POST')).status).toBe(404);
  });
});

describe('POST /api/admin/calls/:callId/kick/:userId', () => {
  it('removes a joined participant: kicked, user-left to the room, participant-kicked to them', async () => {
    const { callId, guest, hostSocket, guestSocket } = await callWithGuest(true);
    const left = nextEvent(hostSocket!, 'user-left');
    const kicked = nextEvent(guestSocket!, 'participant-kicked');
    const res = await admin(`/${callId}/kick/${guest.id}`, 'POST');
    expect(res.status).toBe(200);
    expect(res.body.data.participant).toMatchObject({ user: { id: guest.id }, state: 'kicked', role: 'participant' });
    expect(await left).toEqual({ userId: guest.id, roomId: callId });
    expect(await kicked).toEqual({ callId, roomId: callId, by: moderator.id, timestamp: expect.any(String) });

    const names = events.filter((e) => e.payload.callId === callId && e.payload.userId === guest.id).map((e) => e.name);
    expect(names).toEqual(expect.arrayContaining(['call.participant.kicked', 'call.participant.left']));
    const states = (await admin(`/${callId}/participants`)).body.data.participants;
    expect(states.find((p: { user: { id: string } }) => p.user.id === guest.id).state).toBe('kicked');
    expect(await joinedCounts(callId)).toEqual({ count: 1, joined: 1 });
    expect((await getCall(t, guest, callId)).status).toBe(200);
  });

  it('keeps a kicked user out (join and token 403) until invited again; a new invitation lets them rejoin once', async () => {
    const { callId, host, guest } = await callWithGuest();
    expect((await admin(`/${callId}/kick/${guest.id}`, 'POST')).status).toBe(200);

    const refused = await callAction(t, guest, callId, 'join');
    expect(refused.status).toBe(403);
    expect(refused.body.message).toBe('You were removed from this call');
    expect((await getCall(t, guest, `${callId}/token`)).status).toBe(403);

    const invite = await callAction(t, host, callId, 'invite', { userIds: [guest.id] });
    expect(invite.status).toBe(200);
    expect(invite.body.data.invitations).toEqual([
      expect.objectContaining({ user: expect.objectContaining({ id: guest.id }), status: 'pending' }),
    ]);
    expect((await callAction(t, host, callId, 'invite', { userIds: [guest.id] })).body.data.skipped).toEqual([
      guest.id,
    ]);

    const rejoined = await callAction(t, guest, callId, 'join');
    expect(rejoined.status).toBe(200);
    expect((await getCall(t, guest, `${callId}/token`)).status).toBe(200);
    expect(await joinedCounts(callId)).toEqual({ count: 2, joined: 2 });

    // Kicked again: the used invitation no longer lets them in.
    expect((await admin(`/${callId}/kick/${guest.id}`, 'POST')).status).toBe(200);
    expect((await callAction(t, guest, callId, 'join')).status).toBe(403);
    expect(await joinedCounts(callId)).toEqual({ count: 1, joined: 1 });
  });

  it('withdraws a pending invitation of a removed participant who was away', async () => {
    const { callId, host, guest } = await callWithGuest();
    expect((await callAction(t, guest, callId, 'leave')).status).toBe(200);
    const res = await admin(`/${callId}/kick/${guest.id}`, 'POST');
    expect(res.status).toBe(200);
    expect(res.body.data.participant.state).toBe('kicked');
    expect(await joinedCounts(callId)).toEqual({ count: 1, joined: 1 });
    expect((await callAction(t, guest, callId, 'join')).status).toBe(403);
    expect((await callAction(t, host, callId, 'invite', { userIds: [guest.id] })).status).toBe(200);
    expect((await callAction(t, guest, callId, 'join')).status).toBe(200);
  });

  it('hands the host role over when the host is removed, and ends the call when nobody is left', async () => {
    const { callId, host, guest, guestSocket } = await callWithGuest(true);
    const changed = nextEvent(guestSocket!, 'host-changed');
    expect((await admin(`/${callId}/kick/${host.id}`, 'POST')).status).toBe(200);
    expect(await changed).toMatchObject({ callId, newHostId: guest.id, previousHostId: host.id });
    const call = (await admin(`/${callId}`)).body.data.call;
    expect(call.host.id).toBe(guest.id);
    expect(call.participants.find((p: { user: { id: string } }) => p.user.id === guest.id).role).toBe('host');

    const ended = nextEvent(guestSocket!, 'participant-kicked');
    expect((await admin(`/${callId}/kick/${guest.id}`, 'POST')).status).toBe(200);
    await ended;
    expect((await admin(`/${callId}`)).body.data.call).toMatchObject({ status: 'ended', endReason: 'all-left' });
  });

  it('answers 404 for an unknown call or a user who never joined it, 409 when removed already or the call ended', async () => {
    const { callId, host, guest } = await callWithGuest();
    const invitee = await makeUser(t);
    expect((await callAction(t, host, callId, 'invite', { userIds: [invitee.id] })).status).toBe(200);
    expect((await admin(`/${unknownCallId()}/kick/${guest.id}`, 'POST')).status).toBe(404);
    const notIn = await admin(`/${callId}/kick/${invitee.id}`, 'POST');
    expect(notIn.status).toBe(404);
    expect(notIn.body.message).toBe('This user is not a participant of this call');
    expect((await admin(`/${callId}/kick/${(await makeUser(t)).id}`, 'POST')).status).toBe(404);
    expect((await admin(`/${callId}/kick/not-a-user`, 'POST')).status).toBe(404);

    expect((await admin(`/${callId}/kick/${guest.id}`, 'POST')).status).toBe(200);
    const again = await admin(`/${callId}/kick/${guest.id}`, 'POST');
    expect(again.status).toBe(409);
    expect(again.body.message).toBe('This user was already removed from this call');

    expect((await admin(`/${callId}/end`, 'POST')).status).toBe(200);
    expect((await admin(`/${callId}/kick/${host.id}`, 'POST')).status).toBe(409);
  });

  it("counts one departure when a kick and the same user's leave race", async () => {
    const { callId, guest } = await callWithGuest();
    const [kick, leave] = await Promise.all([
      admin(`/${callId}/kick/${guest.id}`, 'POST'),
      callAction(t, guest, callId, 'leave'),
    ]);
    expect(kick.status).toBe(200);
    expect([200, 409]).toContain(leave.status);
    expect(await joinedCounts(callId)).toEqual({ count: 1, joined: 1 });
    const states = (await admin(`/${callId}/participants`)).body.data.participants;
    expect(states.find((p: { user: { id: string } }) => p.user.id === guest.id).state).toBe('kicked');
  });
});
