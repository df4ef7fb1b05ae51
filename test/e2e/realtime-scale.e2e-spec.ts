import { randomBytes } from 'node:crypto';
import { Module } from '@nestjs/common';
import { WebSocketGateway, WebSocketServer } from '@nestjs/websockets';
import { Server } from 'socket.io';
import { io } from 'socket.io-client';
import { callAction, callWithGuestInRoom, getCall, makeCall } from '../factories/calls';
import { makeUser } from '../factories/users';
import { startTestApp, TestApp, testDatabaseUri } from '../support/app';
import { closeSockets, connectSocket, emitWithAck, listenForSockets, nextEvent } from '../support/sockets';
import { eventually } from '../support/eventually';

/**
 * Two instances of one deployment (one database, one JWT secret, the machine's Redis): Socket.IO's
 * Redis Streams adapter carries the one-connection rule and events to a user's room across them.
 */

/** Test-only: an instance's Socket.IO server, to send a room event as the product's services do. */
@WebSocketGateway()
class ServerHandle {
  @WebSocketServer() server!: Server;
}
@Module({ providers: [ServerHandle] })
class ServerHandleModule {}

const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const GRACE_S = 2;

describe('Socket.IO across two instances (Redis)', () => {
  let a: TestApp;
  let b: TestApp;
  let urlA: string;
  let urlB: string;

  beforeAll(async () => {
    const shared = {
      REDIS_URL: redisUrl,
      MONGODB_URI: testDatabaseUri(),
      JWT_SECRET: randomBytes(32).toString('hex'),
      // A short reconnect grace, so its sweep acts within a test (the recovery window may not exceed it).
      CALL_RECONNECT_GRACE: String(GRACE_S),
      SOCKET_RECOVERY_WINDOW: '1',
    };
    a = await startTestApp({ modules: [ServerHandleModule], env: shared });
    b = await startTestApp({ modules: [ServerHandleModule], env: shared });
    urlA = await listenForSockets(a);
    urlB = await listenForSockets(b);
  });
  afterEach(() => closeSockets());
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  it('a second connection on instance B replaces the first on instance A', async () => {
    const user = await makeUser(a);
    const onA = await connectSocket(urlA, user.token);
    const ended = Promise.all([nextEvent<{ reason: string }>(onA, 'session-replaced'), nextEvent(onA, 'disconnect')]);

    const onB = await connectSocket(urlB, user.token);

    const [replaced, disconnect] = await ended;
    expect(replaced).toMatchObject({ reason: 'session-replaced' });
    expect(disconnect).toBe('io server disconnect');
    expect(onB.connected).toBe(true);
    expect(await emitWithAck(onB, 'ping')).toMatchObject({ success: true, data: { userId: user.id } });
  });

  it('two connections of one user opening at the same moment on A and B leave exactly one', async () => {
    for (let round = 0; round < 3; round++) {
      const user = await makeUser(a);
      const sockets = await Promise.all([connectSocket(urlA, user.token), connectSocket(urlB, user.token)]);
      const losers = sockets.map((socket) => nextEvent(socket, 'disconnect').then(() => socket));
      const loser = await Promise.race(losers);
      const winner = sockets.find((socket) => socket !== loser);
      expect(await emitWithAck(winner!, 'ping')).toMatchObject({ success: true, data: { userId: user.id } });
      expect(winner!.connected).toBe(true);
    }
  });

  it('an event sent to a user\u2019s room on instance A reaches that user connected to instance B', async () => {
    const user = await makeUser(a);
    const onB = await connectSocket(urlB, user.token);
    const received = nextEvent(onB, 'scale-probe');

    a.app.get(ServerHandle).server.to(`user:${user.id}`).emit('scale-probe', { from: 'A' });

    expect(await received).toEqual({ from: 'A' });
  });

  it('call room events cross instances: user-joined and new-message from a client on B reach a client on A', async () => {
    const [hostUser, guestUser] = await Promise.all([makeUser(a), makeUser(a)]);
    const call = await makeCall(a, hostUser, { inviteUserIds: [guestUser.id] });
    expect((await callAction(a, guestUser, call.id, 'join')).status).toBe(200);
    const host = await connectSocket(urlA, hostUser.token);
    const guest = await connectSocket(urlB, guestUser.token);
    expect(await emitWithAck(host, 'join-room', { roomId: call.id })).toMatchObject({ success: true });

    const joined = nextEvent(host, 'user-joined');
    expect(await emitWithAck(guest, 'join-room', { roomId: call.id })).toMatchObject({ success: true });
    expect(await joined).toMatchObject({ userId: guestUser.id, roomId: call.id });

    const message = nextEvent(host, 'new-message');
    expect(await emitWithAck(guest, 'send-message', { roomId: call.id, message: 'from B' })).toMatchObject({
      success: true,
    });
    expect(await message).toMatchObject({ userId: guestUser.id, message: 'from B', roomId: call.id });
  });

  it('webrtc-signal from a client on A reaches a participant on B in the same call, and is refused to a user outside it', async () => {
    const [hostUser, guestUser, stranger] = await Promise.all([makeUser(a), makeUser(a), makeUser(a)]);
    const call = await makeCall(a, hostUser, { inviteUserIds: [guestUser.id] });
    expect((await callAction(a, guestUser, call.id, 'join')).status).toBe(200);
    const host = await connectSocket(urlA, hostUser.token);
    const guest = await connectSocket(urlB, guestUser.token);
    await connectSocket(urlB, stranger.token);
    expect(await emitWithAck(host, 'join-room', { roomId: call.id })).toMatchObject({ success: true });
    const joined = nextEvent(host, 'user-joined');
    expect(await emitWithAck(guest, 'join-room', { roomId: call.id })).toMatchObject({ success: true });
    await joined;

    const offer = { type: 'offer', sdp: 'v=0' };
    // Membership crosses instances as an event over Redis: the first attempts may precede it.
    let received: Promise<unknown> = nextEvent(guest, 'webrtc-signal');
    await eventually(async () => {
      const answer = await emitWithAck(host, 'webrtc-signal', {
        targetUserId: guestUser.id,
        signal: offer,
        type: 'offer',
      });
      return (answer as { success: boolean }).success;
    });
    expect(await received).toMatchObject({ from: hostUser.id, roomId: call.id, type: 'offer' });
    received = nextEvent(host, 'webrtc-signal');
    expect(
      await emitWithAck(guest, 'webrtc-signal', { targetUserId: hostUser.id, signal: offer, type: 'answer' }),
    ).toMatchObject({ success: true });
    expect(await received).toMatchObject({ from: guestUser.id, type: 'answer' });

    expect(
      await emitWithAck(host, 'webrtc-signal', { targetUserId: stranger.id, signal: offer, type: 'offer' }),
    ).toMatchObject({ success: false, errorCode: 'FORBIDDEN' });
  });

  it('after a REST leave on A, a signal to that user on B is refused', async () => {
    const { call, hostUser, guestUser, host, guest } = await callWithGuestInRoom(a, urlA, urlB);
    await eventually(async () => {
      const answer = await emitWithAck(host, 'webrtc-signal', {
        targetUserId: guestUser.id,
        signal: {},
        type: 'offer',
      });
      return (answer as { success: boolean }).success;
    });

    expect((await callAction(a, guestUser, call.id, 'leave')).status).toBe(200);
    await eventually(async () => {
      const answer = await emitWithAck(host, 'webrtc-signal', {
        targetUserId: guestUser.id,
        signal: {},
        type: 'offer',
      });
      return (answer as { errorCode?: string }).errorCode === 'FORBIDDEN';
    });
    expect(
      await emitWithAck(guest, 'webrtc-signal', { targetUserId: hostUser.id, signal: {}, type: 'offer' }),
    ).toMatchObject({ success: false, errorCode: 'FORBIDDEN' });
  });

  it('a participant who dropped from A and rejoins the room on B within the grace stays in the call', async () => {
    const { call, hostUser, guestUser, host, guest } = await callWithGuestInRoom(a, urlA);
    const left = nextEvent(host, 'user-left');
    guest.close();
    await left;

    const back = await connectSocket(urlB, guestUser.token);
    expect(await emitWithAck(back, 'join-room', { roomId: call.id })).toMatchObject({ success: true });
    // Twice the grace: both instances' sweeps have passed the (cleared) absence several times.
    await new Promise((resolve) => setTimeout(resolve, GRACE_S * 2000));

    const res = await getCall(a, hostUser, call.id);
    const participants = (res.body as { data: { call: { participants: { user: { id: string }; state: string }[] } } })
      .data.call.participants;
    expect(participants.find((p) => p.user.id === guestUser.id)?.state).toBe('joined');
  });

  it('a host who dropped and stays away is handed over once, though both instances sweep', async () => {
    const { hostUser, guestUser, host, guest } = await callWithGuestInRoom(a, urlA, urlB);
    const changes: unknown[] = [];
    const lefts: unknown[] = [];
    guest.on('host-changed', (payload: unknown) => changes.push(payload));
    guest.on('user-left', (payload: unknown) => lefts.push(payload));

    host.close();
    await eventually(() => changes.length > 0, GRACE_S * 4000);
    // Another grace: a second sweep acting on the same absence would have told the room again by now.
    await new Promise((resolve) => setTimeout(resolve, GRACE_S * 1000));

    expect(changes).toEqual([expect.objectContaining({ newHostId: guestUser.id, previousHostId: hostUser.id })]);
    // One user-left for the dropped socket, one for the leave the grace made.
    expect(lefts).toHaveLength(2);
  });

  it('a socket dropped from instance A resumes on instance B with its rooms and the events it missed', async () => {
    const user = await makeUser(a);
    const room = `user:${user.id}`;
    const serverA = a.app.get(ServerHandle).server;
    const first = await connectSocket(urlA, user.token);
    const firstSeen = nextEvent(first, 'scale-probe');
    serverA.to(room).emit('scale-probe', { n: 0 });
    await firstSeen;
    const idBefore = first.id;
    // What a Socket.IO client sends when it reconnects (here through a load balancer, to B).
    const { _pid: pid, _lastOffset: offset } = first as unknown as { _pid: string; _lastOffset: string };
    const gone = nextEvent(first, 'disconnect');
    first.io.engine.close();
    await gone;
    await eventually(async () => (await serverA.in(room).fetchSockets()).length === 0);

    serverA.to(room).emit('scale-probe', { n: 1 });
    serverA.to(room).emit('scale-probe', { n: 2 });
    const resumed = io(urlB, {
      auth: { token: user.token, pid, offset },
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
    });
    const seen: unknown[] = [];
    // Missed events are delivered with the connection, before `connect`.
    resumed.on('scale-probe', (payload: unknown) => seen.push(payload));
    try {
      await nextEvent(resumed, 'connect');
      // The server restored the socket: same id, still in its room (a later event reaches it).
      expect(resumed.id).toBe(idBefore);
      serverA.to(room).emit('scale-probe', { n: 3 });
      await eventually(() => seen.length >= 3);
    } finally {
      resumed.close();
    }
    expect(seen).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
  });
});
