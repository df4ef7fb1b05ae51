import { Module } from '@nestjs/common';
import { WebSocketGateway, WebSocketServer } from '@nestjs/websockets';
import { Server } from 'socket.io';
import { callAction, makeCall } from '../factories/calls';
import { bearer, makeUser, RegisteredUser } from '../factories/users';
import { useTestApp } from '../support/app';
import {
  ClientSocket,
  closeSockets,
  connectSocket,
  emitWithAck,
  listenForSockets,
  nextEvent,
} from '../support/sockets';

/**
 * Connection state recovery: a socket whose transport drops for a moment comes back with its rooms
 * and the room events it missed, in order, once; a token revoked meanwhile does not resume.
 */

/** Test-only: the app's Socket.IO server, to send room events as the product's services will. */
@WebSocketGateway()
class ServerHandle {
  @WebSocketServer() server!: Server;
}
@Module({ providers: [ServerHandle] })
class ServerHandleModule {}

const t = useTestApp({ modules: [ServerHandleModule] });
let url: string;
let server: Server;

beforeAll(async () => {
  url = await listenForSockets(t);
  server = t.app.get(ServerHandle).server;
});
afterEach(() => closeSockets());

const DROP_MS = 2000;

/** A client that reconnects by itself exactly DROP_MS after its transport is cut. */
function connectResuming(token: string): Promise<ClientSocket> {
  return connectSocket(url, token, {
    reconnection: true,
    reconnectionDelay: DROP_MS,
    reconnectionDelayMax: DROP_MS,
    randomizationFactor: 0,
  });
}

/** The events named `name` the socket receives from now on, in order. */
function collect(socket: ClientSocket, name: string): unknown[] {
  const seen: unknown[] = [];
  socket.on(name, (payload: unknown) => seen.push(payload));
  return seen;
}

/** Cuts the client's transport as a network drop does (no disconnect packet), and waits until the server noticed. */
async function cutTransport(socket: ClientSocket, room: string): Promise<void> {
  const gone = nextEvent(socket, 'disconnect');
  socket.io.engine.close();
  await gone;
  for (let i = 0; i < 100 && (server.of('/').adapter.rooms.get(room)?.size ?? 0) > 0; i++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('connection state recovery', () => {
  it('delivers the room events sent during a 2 s drop after the reconnect, in order, exactly once, without re-joining', async () => {
    const user = await makeUser(t);
    const room = `user:${user.id}`;
    const socket = await connectResuming(user.token);
    const seen = collect(socket, 'recovery-probe');
    // A client resumes from the last room event it received.
    server.to(room).emit('recovery-probe', { n: 0 });
    await nextEvent(socket, 'recovery-probe');
    const idBefore = socket.id;

    await cutTransport(socket, room);
    for (const n of [1, 2, 3]) server.to(room).emit('recovery-probe', { n });
    await nextEvent(socket, 'connect', DROP_MS + 5000);

    expect(socket.recovered).toBe(true);
    expect(socket.id).toBe(idBefore);
    // Still in its room without joining again: a later event reaches it.
    server.to(room).emit('recovery-probe', { n: 4 });
    await nextEvent(socket, 'recovery-probe');
    expect(seen).toEqual([{ n: 0 }, { n: 1 }, { n: 2 }, { n: 3 }, { n: 4 }]);
    expect(await emitWithAck(socket, 'ping')).toMatchObject({ success: true, data: { userId: user.id } });
  });

  it('replays the room events of the drop but no WebRTC signal: signals are relayed live only', async () => {
    const user = await makeUser(t);
    const room = `user:${user.id}`;
    const socket = await connectResuming(user.token);
    const probes = collect(socket, 'recovery-probe');
    const signals = collect(socket, 'webrtc-signal');
    server.to(room).emit('recovery-probe', { n: 0 });
    await nextEvent(socket, 'recovery-probe');

    await cutTransport(socket, room);
    server.to(room).emit('recovery-probe', { n: 1 });
    server.to(room).emit('webrtc-signal', { from: user.id, signal: { candidate: 'stale' }, type: 'ice-candidate' });
    server.to(room).emit('recovery-probe', { n: 2 });
    await nextEvent(socket, 'connect', DROP_MS + 5000);

    expect(socket.recovered).toBe(true);
    server.to(room).emit('webrtc-signal', { from: user.id, signal: { candidate: 'fresh' }, type: 'ice-candidate' });
    await nextEvent(socket, 'webrtc-signal');
    expect(probes).toEqual([{ n: 0 }, { n: 1 }, { n: 2 }]);
    expect(signals).toEqual([expect.objectContaining({ signal: { candidate: 'fresh' } })]);
  });

  it('does not resume a socket whose token was revoked during the drop, nor send it what it missed', async () => {
    const user = await makeUser(t);
    const room = `user:${user.id}`;
    const socket = await connectResuming(user.token);
    const seen = collect(socket, 'recovery-probe');
    server.to(room).emit('recovery-probe', { n: 0 });
    await nextEvent(socket, 'recovery-probe');

    // What reaches the wire, including packets the client library would hold back until a connect.
    const wire: unknown[] = [];
    socket.io.on('packet', (packet: { data?: unknown }) => wire.push(packet.data));
    await cutTransport(socket, room);
    const logout = await t.request({ method: 'POST', url: '/api/auth/logout', headers: bearer(user.token) });
    expect(logout.status).toBe(200);
    server.to(room).emit('recovery-probe', { n: 1, secret: true });

    const refused = await nextEvent<Error & { data?: { errorCode: string } }>(socket, 'connect_error', DROP_MS + 5000);
    expect(refused.message).toBe('UNAUTHORIZED');
    expect(socket.connected).toBe(false);
    expect(seen).toEqual([{ n: 0 }]);
    expect(JSON.stringify(wire)).not.toContain('secret');
  });

  it('lets a connection opened during the drop stay: the resumed one is told it was replaced', async () => {
    const user = await makeUser(t);
    const room = `user:${user.id}`;
    const older = await connectResuming(user.token);
    server.to(room).emit('recovery-probe', { n: 0 });
    await nextEvent(older, 'recovery-probe');

    await cutTransport(older, room);
    const newer = await connectSocket(url, user.token);
    const [replaced, disconnect] = await Promise.all([
      nextEvent<{ reason: string }>(older, 'session-replaced', DROP_MS + 5000),
      nextEvent(older, 'disconnect', DROP_MS + 5000),
    ]);
    expect(replaced).toMatchObject({ reason: 'session-replaced' });
    expect(disconnect).toBe('io server disconnect');

    expect(newer.connected).toBe(true);
    expect(await emitWithAck(newer, 'ping')).toMatchObject({ success: true });
  });

  it('a call participant cut off for 2 s gets the three new-message events sent meanwhile, in order, once, still in the call room', async () => {
    const [hostUser, guestUser] = await Promise.all([makeUser(t), makeUser(t)]);
    const call = await makeCall(t, hostUser, { inviteUserIds: [guestUser.id] });
    expect((await callAction(t, guestUser, call.id, 'join')).status).toBe(200);
    const guest = await connectResuming(guestUser.token);
    expect(await emitWithAck(guest, 'join-room', { roomId: call.id })).toMatchObject({ success: true });
    const messages = collect(guest, 'new-message') as { message: string }[];
    const say = async (message: string) =>
      expect((await callAction(t, hostUser, call.id, 'chat', { message })).status).toBe(201);
    const first = nextEvent(guest, 'new-message');
    await say('before');
    await first;

    await cutTransport(guest, `user:${guestUser.id}`);
    for (const message of ['one', 'two', 'three']) await say(message);
    await nextEvent(guest, 'connect', DROP_MS + 5000);

    expect(guest.recovered).toBe(true);
    // Still in the call room without join-room: a later message arrives too.
    await say('after');
    for (let i = 0; i < 100 && messages.length < 5; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(messages.map((m) => m.message)).toEqual(['before', 'one', 'two', 'three', 'after']);
  });
  it('after a 2 s drop the resumed participant is back in the room: user-joined again, and signals are relayed both ways', async () => {
    const [hostUser, guestUser] = await Promise.all([makeUser(t), makeUser(t)]);
    const call = await makeCall(t, hostUser, { inviteUserIds: [guestUser.id] });
    expect((await callAction(t, guestUser, call.id, 'join')).status).toBe(200);
    const host = await connectSocket(url, hostUser.token);
    const guest = await connectResuming(guestUser.token);
    expect(await emitWithAck(host, 'join-room', { roomId: call.id })).toMatchObject({ success: true });
    expect(await emitWithAck(guest, 'join-room', { roomId: call.id })).toMatchObject({ success: true });
    await heardOnce(guest, hostUser, call.id);

    const left = nextEvent(host, 'user-left');
    await cutTransport(guest, `user:${guestUser.id}`);
    expect(await left).toMatchObject({ userId: guestUser.id, roomId: call.id });
    const back = nextEvent(host, 'user-joined', DROP_MS + 5000);
    await nextEvent(guest, 'connect', DROP_MS + 5000);
    expect(guest.recovered).toBe(true);
    expect(await back).toMatchObject({ userId: guestUser.id, roomId: call.id });

    const offer = { type: 'offer', sdp: 'v=0' };
    const toHost = nextEvent(host, 'webrtc-signal');
    expect(
      await emitWithAck(guest, 'webrtc-signal', { targetUserId: hostUser.id, signal: offer, type: 'offer' }),
    ).toMatchObject({ success: true });
    expect(await toHost).toMatchObject({ from: guestUser.id, roomId: call.id, type: 'offer' });
    const toGuest = nextEvent(guest, 'webrtc-signal');
    expect(
      await emitWithAck(host, 'webrtc-signal', { targetUserId: guestUser.id, signal: offer, type: 'answer' }),
    ).toMatchObject({ success: true });
    expect(await toGuest).toMatchObject({ from: hostUser.id, roomId: call.id, type: 'answer' });
  });

  it('a participant who left the call while cut off resumes outside its room: signals are refused', async () => {
    const [hostUser, guestUser] = await Promise.all([makeUser(t), makeUser(t)]);
    const call = await makeCall(t, hostUser, { inviteUserIds: [guestUser.id] });
    expect((await callAction(t, guestUser, call.id, 'join')).status).toBe(200);
    const host = await connectSocket(url, hostUser.token);
    const guest = await connectResuming(guestUser.token);
    expect(await emitWithAck(host, 'join-room', { roomId: call.id })).toMatchObject({ success: true });
    expect(await emitWithAck(guest, 'join-room', { roomId: call.id })).toMatchObject({ success: true });
    await heardOnce(guest, hostUser, call.id);

    await cutTransport(guest, `user:${guestUser.id}`);
    expect((await callAction(t, guestUser, call.id, 'leave')).status).toBe(200);
    await nextEvent(guest, 'connect', DROP_MS + 5000);
    expect(guest.recovered).toBe(true);

    const refused = await emitWithAck(guest, 'webrtc-signal', { targetUserId: hostUser.id, signal: {}, type: 'offer' });
    expect(refused).toMatchObject({ success: false, errorCode: 'FORBIDDEN' });
  });
});

/**
 * A room event the socket received: a client asks to resume only from the offset of a room event
 * it got, so a socket that heard none reconnects as new.
 */
async function heardOnce(socket: ClientSocket, sender: RegisteredUser, callId: string): Promise<void> {
  const heard = nextEvent(socket, 'new-message');
  expect((await callAction(t, sender, callId, 'chat', { message: 'hello' })).status).toBe(201);
  await heard;
}
