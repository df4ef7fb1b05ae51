import { callAction, makeCall } from '../factories/calls';
import { bearer, makeUser, RegisteredUser } from '../factories/users';
import { useTestApp } from '../support/app';
import {
  AckAnswer,
  ClientSocket,
  closeSockets,
  connectSocket,
  emitWithAck,
  listenForSockets,
  nextEvent,
} from '../support/sockets';

/** Call rooms over Socket.IO: join/leave, media, chat, WebRTC signalling and the server's call events. */

const t = useTestApp();
let url: string;

beforeAll(async () => {
  url = await listenForSockets(t);
});
afterEach(() => closeSockets());

interface Member {
  user: RegisteredUser;
  socket: ClientSocket;
}

/** A call with its host and a guest joined over REST, both connected; `inRoom` also runs join-room for both. */
async function callWithGuest(inRoom = true) {
  const [hostUser, guestUser] = await Promise.all([makeUser(t), makeUser(t)]);
  const call = await makeCall(t, hostUser, { inviteUserIds: [guestUser.id] });
  expect((await callAction(t, guestUser, call.id, 'join')).status).toBe(200);
  const host: Member = { user: hostUser, socket: await connectSocket(url, hostUser.token) };
  const guest: Member = { user: guestUser, socket: await connectSocket(url, guestUser.token) };
  if (inRoom) {
    expect(await emitWithAck(host.socket, 'join-room', { roomId: call.id })).toMatchObject({ success: true });
    const joined = nextEvent(host.socket, 'user-joined');
    expect(await emitWithAck(guest.socket, 'join-room', { roomId: call.id })).toMatchObject({ success: true });
    await joined;
  }
  return { callId: call.id as string, host, guest };
}

const media = (user: RegisteredUser, callId: string, body: Record<string, boolean>) =>
  t.request({ method: 'PUT', url: `/api/calls/${callId}/media`, headers: bearer(user.token), body });

describe('join-room', () => {
  it('is refused to a user who is not in the call (FORBIDDEN) and for an unknown call (NOT_FOUND)', async () => {
    const { callId } = await callWithGuest(false);
    const stranger = await makeUser(t);
    const socket = await connectSocket(url, stranger.token);
    const answer = await emitWithAck<AckAnswer>(socket, 'join-room', { roomId: callId });
    expect(answer).toMatchObject({ success: false, errorCode: 'FORBIDDEN' });
    const unknown = await emitWithAck<AckAnswer>(socket, 'join-room', { roomId: '665f1c2ab3e4d5f6a7b8c9d0' });
    expect(unknown).toMatchObject({ success: false, errorCode: 'NOT_FOUND' });
    expect(await emitWithAck<AckAnswer>(socket, 'join-room', {})).toMatchObject({
      success: false,
      errorCode: 'BAD_REQUEST',
      errors: expect.arrayContaining([expect.objectContaining({ field: 'roomId' })]),
    });
  });

  it('is refused to an invitee who has not joined the call', async () => {
    const [host, invitee] = await Promise.all([makeUser(t), makeUser(t)]);
    const call = await makeCall(t, host, { inviteUserIds: [invitee.id] });
    const socket = await connectSocket(url, invitee.token);
    expect(await emitWithAck(socket, 'join-room', { roomId: call.id })).toMatchObject({
      success: false,
      errorCode: 'FORBIDDEN',
    });
  });

  it('tells the others user-joined with the server’s data, and answers the participants with their media', async () => {
    const { callId, host, guest } = await callWithGuest(false);
    expect((await media(host.user, callId, { videoEnabled: false })).status).toBe(200);
    await emitWithAck(host.socket, 'join-room', { roomId: callId });
    const joined = nextEvent<Record<string, unknown>>(host.socket, 'user-joined');
    // What the client says about itself is ignored.
    const answer = await emitWithAck<AckAnswer<{ roomId: string; participants: Record<string, unknown>[] }>>(
      guest.socket,
      'join-room',
      { roomId: callId, userData: { firstName: 'Forged', role: 'host' } },
    );
    expect(await joined).toEqual({
      userId: guest.user.id,
      roomId: callId,
      userData: {
        firstName: guest.user.firstName,
        lastName: guest.user.lastName,
        avatar: null,
        role: 'participant',
        isAudioEnabled: true,
        isVideoEnabled: true,
        isScreenSharing: false,
      },
    });
    expect(answer.success).toBe(true);
    expect(answer.data.roomId).toBe(callId);
    expect(answer.data.participants).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ userId: host.user.id, role: 'host', isVideoEnabled: false, isAudioEnabled: true }),
        expect.objectContaining({ userId: guest.user.id, firstName: guest.user.firstName, isVideoEnabled: true }),
      ]),
    );
    expect(answer.data.participants).toHaveLength(2);
  });
});

describe('joining over REST', () => {
  it('a REST join tells the room user-joined with the server’s data', async () => {
    const { callId, host } = await callWithGuest();
    const late = await makeUser(t);
    expect((await callAction(t, host.user, callId, 'invite', { userIds: [late.id] })).status).toBe(200);
    const joined = nextEvent(host.socket, 'user-joined');
    expect((await callAction(t, late, callId, 'join')).status).toBe(200);
    expect(await joined).toMatchObject({
      userId: late.id,
      roomId: callId,
      userData: { firstName: late.firstName, lastName: late.lastName, isAudioEnabled: true },
    });
  });
});

describe('leaving a room', () => {
  it('leave-room tells the room user-left', async () => {
    const { callId, host, guest } = await callWithGuest();
    const left = nextEvent(host.socket, 'user-left');
    expect(await emitWithAck(guest.socket, 'leave-room', { roomId: callId })).toMatchObject({
      success: true,
      data: { roomId: callId, left: true },
    });
    expect(await left).toEqual({ userId: guest.user.id, roomId: callId });
  });

  it('a disconnect tells the room user-left', async () => {
    const { callId, host, guest } = await callWithGuest();
    const left = nextEvent(host.socket, 'user-left');
    guest.socket.close();
    expect(await left).toEqual({ userId: guest.user.id, roomId: callId });
  });

  it('leaving the call over REST tells the room user-left, and a leaving host host-changed', async () => {
    const { callId, host, guest } = await callWithGuest();
    const third = await makeUser(t);
    expect((await callAction(t, host.user, callId, 'invite', { userIds: [third.id] })).status).toBe(200);
    expect((await callAction(t, third, callId, 'join')).status).toBe(200);
    const left = nextEvent(guest.socket, 'user-left');
    const hostChanged = nextEvent(guest.socket, 'host-changed');
    expect((await callAction(t, host.user, callId, 'leave')).status).toBe(200);
    expect(await left).toEqual({ userId: host.user.id, roomId: callId });
    expect(await hostChanged).toMatchObject({ callId, newHostId: guest.user.id, timestamp: expect.any(String) });
  });
});

describe('media', () => {
  it('toggles over the socket reach the room’s others with roomId', async () => {
    const { callId, host, guest } = await callWithGuest();
    const audio = nextEvent(host.socket, 'user-audio-toggled');
    const answer = await emitWithAck<AckAnswer<{ participant: { audioEnabled: boolean } }>>(
      guest.socket,
      'toggle-audio',
      { roomId: callId, isAudioEnabled: false },
    );
    expect(answer).toMatchObject({ success: true, data: { participant: { audioEnabled: false } } });
    expect(await audio).toMatchObject({ userId: guest.user.id, roomId: callId, isAudioEnabled: false });

    const video = nextEvent(host.socket, 'user-video-toggled');
    await emitWithAck(guest.socket, 'toggle-video', { roomId: callId, isVideoEnabled: false });
    expect(await video).toMatchObject({ userId: guest.user.id, roomId: callId, isVideoEnabled: false });

    const sharing = nextEvent(host.socket, 'user-screen-share-toggled');
    await emitWithAck(guest.socket, 'toggle-screen-share', { roomId: callId, isScreenSharing: true });
    expect(await sharing).toMatchObject({ userId: guest.user.id, roomId: callId, isScreenSharing: true });
  });

  it('a REST media update produces the same events', async () => {
    const { callId, host, guest } = await callWithGuest();
    const video = nextEvent(guest.socket, 'user-video-toggled');
    const sharing = nextEvent(guest.socket, 'user-screen-share-toggled');
    expect((await media(host.user, callId, { videoEnabled: false, screenSharing: true })).status).toBe(200);
    expect(await video).toMatchObject({ userId: host.user.id, roomId: callId, isVideoEnabled: false });
    expect(await sharing).toMatchObject({ userId: host.user.id, roomId: callId, isScreenSharing: true });
  });

  it('a toggle from a user not in the call is refused', async () => {
    const { callId } = await callWithGuest();
    const stranger = await makeUser(t);
    const socket = await connectSocket(url, stranger.token);
    expect(await emitWithAck(socket, 'toggle-audio', { roomId: callId, isAudioEnabled: false })).toMatchObject({
      success: false,
      errorCode: 'FORBIDDEN',
    });
  });
});

describe('chat', () => {
  it('send-message stores the message and the room gets new-message', async () => {
    const { callId, host, guest } = await callWithGuest();
    const received = nextEvent<Record<string, unknown>>(host.socket, 'new-message');
    const answer = await emitWithAck<AckAnswer<{ message: { id: string } }>>(guest.socket, 'send-message', {
      roomId: callId,
      message: 'Hello everyone!',
    });
    expect(answer.success).toBe(true);
    expect(await received).toEqual({
      id: answer.data.message.id,
      roomId: callId,
      userId: guest.user.id,
      message: 'Hello everyone!',
      messageType: 'text',
      timestamp: expect.any(String),
    });
    const stored = await t.request({ url: `/api/calls/${callId}/chat`, headers: bearer(host.user.token) });
    expect(stored.body.data.messages[0]).toMatchObject({ id: answer.data.message.id, message: 'Hello everyone!' });
  });

  it('REST chat produces the same event; the REST rules apply to the socket too', async () => {
    const { callId, host, guest } = await callWithGuest();
    const received = nextEvent(guest.socket, 'new-message');
    const res = await callAction(t, host.user, callId, 'chat', { message: 'From REST' });
    expect(res.status).toBe(201);
    expect(await received).toMatchObject({ id: res.body.data.message.id, userId: host.user.id, message: 'From REST' });
    expect(await emitWithAck(guest.socket, 'send-message', { roomId: callId, message: '' })).toMatchObject({
      success: false,
      errorCode: 'BAD_REQUEST',
    });
  });
});

describe('webrtc-signal', () => {
  const offer = { type: 'offer', sdp: 'v=0\r\no=- 46117317 2 IN IP4 127.0.0.1\r\n' };

  it('is relayed between two users in the same call room, with from', async () => {
    const { host, guest } = await callWithGuest();
    const received = nextEvent(guest.socket, 'webrtc-signal');
    const answer = await emitWithAck(host.socket, 'webrtc-signal', {
      targetUserId: guest.user.id,
      signal: offer,
      type: 'offer',
    });
    expect(answer).toMatchObject({ success: true });
    expect(await received).toMatchObject({
      from: host.user.id,
      signal: offer,
      type: 'offer',
      timestamp: expect.any(String),
    });
  });

  it('is refused to a user outside the call, and to one who left the room', async () => {
    const { callId, host, guest } = await callWithGuest();
    const stranger = await makeUser(t);
    await connectSocket(url, stranger.token);
    const refused = await emitWithAck(host.socket, 'webrtc-signal', {
      targetUserId: stranger.id,
      signal: offer,
      type: 'offer',
    });
    expect(refused).toMatchObject({ success: false, errorCode: 'FORBIDDEN' });
    await emitWithAck(guest.socket, 'leave-room', { roomId: callId });
    expect(
      await emitWithAck(host.socket, 'webrtc-signal', { targetUserId: guest.user.id, signal: offer, type: 'offer' }),
    ).toMatchObject({ success: false, errorCode: 'FORBIDDEN' });
  });

  it('refuses a signal over 64 kB and a type that is not offer, answer or ice-candidate', async () => {
    const { host, guest } = await callWithGuest();
    const big = { type: 'offer', sdp: 'a'.repeat(64 * 1024) };
    expect(
      await emitWithAck(host.socket, 'webrtc-signal', { targetUserId: guest.user.id, signal: big, type: 'offer' }),
    ).toMatchObject({ success: false, errorCode: 'PAYLOAD_TOO_LARGE', errors: [{ field: 'signal' }] });
    expect(
      await emitWithAck(host.socket, 'webrtc-signal', { targetUserId: guest.user.id, signal: offer, type: 'hello' }),
    ).toMatchObject({ success: false, errorCode: 'BAD_REQUEST', errors: [expect.objectContaining({ field: 'type' })] });
  });

  it('refuses a prototype key anywhere in a signal, as REST refuses it in a body', async () => {
    const { host, guest } = await callWithGuest();
    const received: unknown[] = [];
    guest.socket.on('webrtc-signal', (signal: unknown) => received.push(signal));
    for (const json of [
      `{"targetUserId":"${guest.user.id}","signal":{"sdp":"v=0"},"type":"offer","__proto__":{"polluted":1}}`,
      `{"targetUserId":"${guest.user.id}","signal":{"sdp":"v=0","constructor":{"prototype":{"polluted":1}}},"type":"offer"}`,
    ]) {
      expect(await emitWithAck(host.socket, 'webrtc-signal', JSON.parse(json))).toMatchObject({
        success: false,
        errorCode: 'BAD_REQUEST',
      });
    }
    // A signal sent after them arrives first: the refused ones were never relayed.
    const next = nextEvent(guest.socket, 'webrtc-signal');
    await emitWithAck(host.socket, 'webrtc-signal', { targetUserId: guest.user.id, signal: offer, type: 'offer' });
    expect(await next).toMatchObject({ signal: offer });
    expect(received).toHaveLength(1);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('call-ended', () => {
  it('a REST end reaches the room and a pending invitee', async () => {
    const { callId, host, guest } = await callWithGuest();
    const invitee = await makeUser(t);
    expect((await callAction(t, host.user, callId, 'invite', { userIds: [invitee.id] })).status).toBe(200);
    const inviteeSocket = await connectSocket(url, invitee.token);
    const toGuest = nextEvent(guest.socket, 'call-ended');
    const toInvitee = nextEvent(inviteeSocket, 'call-ended');
    expect((await callAction(t, host.user, callId, 'end')).status).toBe(200);
    const expected = { callId, reason: 'ended-by-host', timestamp: expect.any(String) };
    expect(await toGuest).toMatchObject(expected);
    expect(await toInvitee).toMatchObject(expected);
    // The room is closed: signalling between its former members is refused.
    expect(
      await emitWithAck(host.socket, 'webrtc-signal', { targetUserId: guest.user.id, signal: {}, type: 'offer' }),
    ).toMatchObject({ success: false, errorCode: 'FORBIDDEN' });
  });
});
