import { CallsHousekeeping } from '../../apps/api/src/modules/calls/calls.housekeeping';
import { callAction, callDetails as details, getCall, makeCall, roleOf, stateOf } from '../factories/calls';
import { bearer, makeUser } from '../factories/users';
import { RecordedEvent, recordEvents, useTestApp } from '../support/app';
import { closeSockets, connectSocket, emitWithAck, listenForSockets, nextEvent } from '../support/sockets';

/**
 * Participants who joined over REST and went away: housekeeping marks left a joined participant
 * with no socket in the call room who showed no sign of life over REST (join, media update, chat
 * message, token request) for CALL_IDLE_TIMEOUT, through the ordinary leave (host hand-over,
 * `all-left`). A short timeout here, and sweeps run by the test at the real time.
 */
const IDLE_S = 2;
const t = useTestApp({ env: { CALL_IDLE_TIMEOUT: String(IDLE_S), CALL_RECONNECT_GRACE: '30' } });
let url: string;
let events: RecordedEvent[];

beforeAll(async () => {
  url = await listenForSockets(t);
  events = recordEvents(t, 'call.');
});
afterEach(() => closeSockets());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const sweep = () => t.app.get(CallsHousekeeping).sweep();
const eventsOf = (callId: string, name: string) =>
  events.filter((e) => e.name === name && e.payload.callId === callId).map((e) => e.payload);

/** The call's seat counter equals its joined participant documents. */
async function expectCountsEqual(callId: string): Promise<void> {
  const db = await t.db();
  const call = await db.collection('calls').findOne({ _id: callId as never });
  const joined = await db.collection('call_participants').countDocuments({ callId, state: 'joined' });
  expect(call?.joinedCount).toBe(joined);
}

describe('calls: participants who went quiet', () => {
  it('marks left a REST-only participant quiet for CALL_IDLE_TIMEOUT; each kind of sign of life keeps one', async () => {
    const [host, media, token, rejoin, quiet] = await Promise.all(Array.from({ length: 5 }, () => makeUser(t)));
    const call = await makeCall(t, host);
    for (const user of [media, token, rejoin, quiet]) {
      expect((await callAction(t, user, call.id, 'join')).status).toBe(200);
    }
    await sleep(IDLE_S * 700);
    // Signs of life part-way through: a chat message, a media update, a token request, a repeated join.
    expect((await callAction(t, host, call.id, 'chat', { message: 'still here', messageType: 'text' })).status).toBe(
      201,
    );
    const muted = await t.request({
      method: 'PUT',
      url: `/api/calls/${call.id}/media`,
      headers: bearer(media.token),
      body: { audioEnabled: false },
    });
    expect(muted.status).toBe(200);
    expect((await getCall(t, token, `${call.id}/token`)).status).toBe(200);
    expect((await callAction(t, rejoin, call.id, 'join')).status).toBe(200);
    await sleep(IDLE_S * 700);

    expect(await sweep()).toMatchObject({ quiet: 1 });
    const after = await details(t, host, call.id);
    expect(after.status).toBe('active');
    expect(stateOf(after, quiet.id)).toBe('left');
    for (const user of [host, media, token, rejoin]) expect(stateOf(after, user.id)).toBe('joined');
    expect(after.joinedCount).toBe(4);
    expect(eventsOf(call.id, 'call.participant.left')).toEqual([expect.objectContaining({ userId: quiet.id })]);
    await expectCountsEqual(call.id);

    // Not quiet for long enough yet: the next sweep leaves everyone else joined.
    expect(await sweep()).toMatchObject({ quiet: 0 });
    expect((await details(t, host, call.id)).joinedCount).toBe(4);
    // Ended, so that the quiet participants of this call do not count in the next tests' sweeps.
    expect((await callAction(t, host, call.id, 'end')).status).toBe(200);
  });

  it('hands the host role over when the quiet one was the host', async () => {
    const [host, guest] = await Promise.all([makeUser(t), makeUser(t)]);
    const call = await makeCall(t, host);
    expect((await callAction(t, guest, call.id, 'join')).status).toBe(200);
    await sleep(IDLE_S * 700);
    expect((await getCall(t, guest, `${call.id}/token`)).status).toBe(200);
    await sleep(IDLE_S * 700);

    expect(await sweep()).toMatchObject({ quiet: 1 });
    const after = await details(t, guest, call.id);
    expect(after).toMatchObject({ status: 'active', host: { id: guest.id }, joinedCount: 1 });
    expect(stateOf(after, host.id)).toBe('left');
    expect(roleOf(after, guest.id)).toBe('host');
    expect(eventsOf(call.id, 'call.host.changed')).toEqual([
      expect.objectContaining({ previousHostId: host.id, newHostId: guest.id }),
    ]);
    await expectCountsEqual(call.id);
    expect((await callAction(t, guest, call.id, 'end')).status).toBe(200);
  });

  it('ends the call all-left when the last participants go quiet', async () => {
    const [host, guest] = await Promise.all([makeUser(t), makeUser(t)]);
    const call = await makeCall(t, host);
    expect((await callAction(t, guest, call.id, 'join')).status).toBe(200);
    await sleep(IDLE_S * 1000 + 300);

    expect(await sweep()).toMatchObject({ quiet: 2 });
    const after = await details(t, host, call.id);
    expect(after).toMatchObject({ status: 'ended', endReason: 'all-left', joinedCount: 0 });
    expect(stateOf(after, host.id)).toBe('left');
    expect(stateOf(after, guest.id)).toBe('left');
    expect(eventsOf(call.id, 'call.participant.left')).toHaveLength(2);
    expect(eventsOf(call.id, 'call.ended')).toEqual([expect.objectContaining({ reason: 'all-left' })]);
    await expectCountsEqual(call.id);
    // Neither is in a call any more.
    for (const user of [host, guest]) expect((await getCall(t, user, 'active')).body.data.calls).toEqual([]);
  });

  it('leaves alone a participant with a socket in the call room, or whose socket dropped within the grace', async () => {
    const [host, guest, restOnly] = await Promise.all([makeUser(t), makeUser(t), makeUser(t)]);
    const call = await makeCall(t, host);
    for (const user of [guest, restOnly]) expect((await callAction(t, user, call.id, 'join')).status).toBe(200);
    const hostSocket = await connectSocket(url, host.token);
    const guestSocket = await connectSocket(url, guest.token);
    expect(await emitWithAck(hostSocket, 'join-room', { roomId: call.id })).toMatchObject({ success: true });
    expect(await emitWithAck(guestSocket, 'join-room', { roomId: call.id })).toMatchObject({ success: true });
    await sleep(IDLE_S * 1000 + 300);
    // The guest's connection drops: the reconnect grace (30 s here) decides about them, not this rule.
    const guestGone = nextEvent(hostSocket, 'user-left');
    guestSocket.close();
    await guestGone;

    const leftRoom = nextEvent<{ userId: string }>(hostSocket, 'user-left');
    expect(await sweep()).toMatchObject({ quiet: 1 });
    expect(await leftRoom).toMatchObject({ userId: restOnly.id, roomId: call.id });
    const after = await details(t, host, call.id);
    expect(after.status).toBe('active');
    expect(stateOf(after, restOnly.id)).toBe('left');
    expect(stateOf(after, host.id)).toBe('joined');
    expect(stateOf(after, guest.id)).toBe('joined');
    await expectCountsEqual(call.id);
  });
});
