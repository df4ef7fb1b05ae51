import { Types } from 'mongoose';
import { callAction, makeCall } from '../factories/calls';
import { bearer, makeStaff, makeUser, RegisteredUser } from '../factories/users';
import { TestResponse, useTestApp } from '../support/app';
import {
  AckAnswer,
  ClientSocket,
  closeSockets,
  connectSocket,
  emitWithAck,
  listenForSockets,
} from '../support/sockets';

/**
 * Concurrency: many writes to one call at the same moment, over REST and Socket.IO, leave the
 * stored state exactly as the requests say (no message lost or doubled, no counter drifting from
 * the participant documents it counts).
 */

// Everything here comes from one client address and a few sockets at once: limits high enough
// that only the behaviour under test can refuse a request.
const t = useTestApp({
  env: {
    THROTTLE_DEFAULT_LIMIT: '100000',
    THROTTLE_ADMIN_LIMIT: '100000',
    SOCKET_EVENT_RATE: '10000',
    SOCKET_EVENT_BURST: '10000',
  },
});
let url: string;

beforeAll(async () => {
  url = await listenForSockets(t);
});
afterEach(() => closeSockets());

interface NewMessage {
  id: string;
  roomId: string;
  userId: string;
  message: string;
}

interface Member {
  user: RegisteredUser;
  socket: ClientSocket;
  received: NewMessage[];
}

/** The whole chat history of a call through `GET /api/calls/:id/chat`, following `nextBefore` page by page. */
async function chatHistory(
  user: RegisteredUser,
  callId: string,
  limit = 100,
): Promise<{ id: string; message: string }[]> {
  const all: { id: string; message: string }[] = [];
  let before: string | null = null;
  for (let page = 0; page < 100; page += 1) {
    const query: string = before ? `&before=${encodeURIComponent(before)}` : '';
    const res: TestResponse = await t.request({
      url: `/api/calls/${callId}/chat?limit=${limit}${query}`,
      headers: bearer(user.token),
    });
    expect(res.status).toBe(200);
    all.push(...res.body.data.messages);
    before = res.body.data.nextBefore;
    if (before === null) return all;
  }
  throw new Error('the chat history did not end within 100 pages');
}

/** Resolves once `condition` holds, checking every 20 ms; rejects after `timeoutMs`. */
async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('chat: 200 messages at once over REST and sockets', () => {
  it('are all stored exactly once, and every participant’s socket receives each new-message once', async () => {
    const users = await Promise.all(Array.from({ length: 4 }, () => makeUser(t)));
    const [hostUser, ...guests] = users;
    const call = await makeCall(t, hostUser, { inviteUserIds: guests.map((g) => g.id) });
    for (const guest of guests) expect((await callAction(t, guest, call.id, 'join')).status).toBe(200);

    const members: Member[] = [];
    for (const user of users) {
      const socket = await connectSocket(url, user.token);
      const member: Member = { user, socket, received: [] };
      socket.on('new-message', (payload: NewMessage) => member.received.push(payload));
      expect(await emitWithAck(socket, 'join-room', { roomId: call.id })).toMatchObject({ success: true });
      members.push(member);
    }

    // 25 over REST and 25 over the socket from each of the 4 participants, all fired together.
    const sends: Promise<{ via: string; text: string; id: string | undefined }>[] = [];
    const texts: string[] = [];
    for (let i = 0; i < 25; i += 1) {
      members.forEach((member, m) => {
        const restText = `rest ${m}/${i}`;
        const socketText = `socket ${m}/${i}`;
        texts.push(restText, socketText);
        sends.push(
          callAction(t, member.user, call.id, 'chat', { message: restText }).then((res) => ({
            via: `rest:${res.status}`,
            text: restText,
            id: res.body?.data?.message?.id as string | undefined,
          })),
          // A longer wait for the answer than the helpers' few seconds: 200 writes share a small machine.
          (
            member.socket.timeout(60_000).emitWithAck('send-message', {
              roomId: call.id,
              message: socketText,
            }) as Promise<AckAnswer<{ message: { id: string } }>>
          ).then((answer) => ({
            via: `socket:${answer.success}`,
            text: socketText,
            id: answer.data?.message?.id,
          })),
        );
      });
    }
    const results = await Promise.all(sends);
    expect(results.filter((r) => r.via !== 'rest:201' && r.via !== 'socket:true')).toEqual([]);
    const idOf = new Map(results.map((r) => [r.text, r.id]));
    expect(new Set(idOf.values()).size).toBe(200);

    // Stored: each text once, under the id its sender was given.
    const stored = await chatHistory(hostUser, call.id);
    expect(stored).toHaveLength(200);
    expect(new Set(stored.map((m) => m.id)).size).toBe(200);
    expect(stored.map((m) => m.message).sort()).toEqual([...texts].sort());
    for (const m of stored) expect(m.id).toBe(idOf.get(m.message));
    const db = await t.db();
    expect(await db.collection('chat_messages').countDocuments({ callId: call.id })).toBe(200);

    // Delivered: every socket (the senders' own included) hears each message once.
    await until(() => members.every((member) => member.received.length >= 200));
    await new Promise((resolve) => setTimeout(resolve, 200)); // room for a duplicate to show up
    for (const member of members) {
      expect(member.received).toHaveLength(200);
      expect(new Set(member.received.map((e) => e.id)).size).toBe(200);
      expect(member.received.map((e) => e.message).sort()).toEqual([...texts].sort());
      for (const e of member.received) {
        expect(e.roomId).toBe(call.id);
        expect(e.id).toBe(idOf.get(e.message));
      }
    }
  });

  it('the history pages through messages stored in the same millisecond without losing or repeating one', async () => {
    // Concurrent senders get equal `createdAt`s; arranged here in the database, so a page
    // boundary surely falls inside such a group: 150 messages in one millisecond, then 30 in
    // groups of 3 per millisecond before them.
    const host = await makeUser(t);
    const call = await makeCall(t, host);
    const base = Date.now() - 60_000;
    const docs = Array.from({ length: 180 }, (_, i) => ({
      callId: call.id as string,
      senderId: new Types.ObjectId(host.id),
      message: `same ms ${i}`,
      messageType: 'text',
      createdAt: new Date(i < 150 ? base : base - 1 - Math.floor((i - 150) / 3)),
    }));
    await (await t.db()).collection('chat_messages').insertMany(docs);
    const texts = docs.map((d) => d.message).sort();

    for (const limit of [100, 20, 7]) {
      const stored = await chatHistory(host, call.id, limit);
      expect(stored.map((m) => m.message).sort()).toEqual(texts);
      expect(new Set(stored.map((m) => m.id)).size).toBe(180);
    }
  });
});

describe('call membership: invite, respond, join, leave and kick at once', () => {
  /** A small fixed-seed generator (mulberry32), so every run fires the same rounds. */
  function random(seed: number): () => number {
    let state = seed;
    return () => {
      state = (state + 0x6d2b79f5) | 0;
      let x = Math.imul(state ^ (state >>> 15), 1 | state);
      x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
      return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
    };
  }

  interface StoredParticipant {
    userId: { toHexString(): string };
    role: string;
    state: string;
  }

  /** The call as stored: one host who is joined (or the call ended), seats within the limit, the count equal to the documents. */
  async function expectConsistent(callId: string): Promise<{ status: string; joined: string[]; hostId: string }> {
    const db = await t.db();
    const call = await db.collection('calls').findOne({ _id: callId as never });
    expect(call).not.toBeNull();
    const participants = await db.collection<StoredParticipant>('call_participants').find({ callId }).toArray();
    const userIds = participants.map((p) => p.userId.toHexString());
    expect(new Set(userIds).size).toBe(userIds.length);
    const invitees = (await db.collection('call_invitations').find({ callId }).toArray()).map((i) =>
      String(i.inviteeId),
    );
    expect(new Set(invitees).size).toBe(invitees.length);

    const joined = participants.filter((p) => p.state === 'joined');
    expect(call!.joinedCount).toBe(joined.length);
    expect(joined.length).toBeLessThanOrEqual(call!.maxParticipants);
    const hostId = String(call!.hostId);
    if (call!.status === 'ended') {
      expect(joined).toEqual([]);
    } else {
      expect(call!.status).toBe('active');
      const hosts = participants.filter((p) => p.role === 'host');
      expect(hosts.map((p) => `${p.userId.toHexString()}/${p.state}`)).toEqual([`${hostId}/joined`]);
    }
    return { status: call!.status, joined: joined.map((p) => p.userId.toHexString()), hostId };
  }

  it('leave the call consistent after every round (fixed seed)', async () => {
    const rand = random(20261203);
    const pick = <T>(items: T[]): T => items[Math.floor(rand() * items.length)];
    const admin = await makeStaff(t, 'admin');
    const creator = await makeUser(t);
    const users = await Promise.all(Array.from({ length: 8 }, () => makeUser(t)));
    const everyone = [creator, ...users];
    let call = await makeCall(t, creator, { maxParticipants: 5, inviteUserIds: users.slice(0, 3).map((u) => u.id) });
    let calls = 1;
    let state = await expectConsistent(call.id);
    const seen = new Set<number>();

    for (let round = 0; round < 12; round += 1) {
      if (state.status === 'ended') {
        const host = pick(everyone);
        const invitees = everyone.filter((u) => u !== host).slice(0, 3);
        call = await makeCall(t, host, { maxParticipants: 5, inviteUserIds: invitees.map((u) => u.id) });
        calls += 1;
        state = await expectConsistent(call.id);
      }
      const callId = call.id as string;
      const actions: Promise<TestResponse>[] = [];
      for (const user of everyone) {
        const steps = 1 + Math.floor(rand() * 3);
        for (let s = 0; s < steps; s += 1) {
          const kind = pick(['join', 'join', 'leave', 'accept', 'decline', 'invite']);
          if (kind === 'accept' || kind === 'decline') {
            const response = kind === 'accept' ? 'accepted' : 'declined';
            actions.push(callAction(t, user, callId, 'respond', { response }));
          } else if (kind === 'invite') {
            const others = everyone.filter((u) => u !== user);
            const userIds = [...new Set([pick(others), pick(others)].map((u) => u.id))];
            actions.push(callAction(t, user, callId, 'invite', { userIds }));
          } else {
            actions.push(callAction(t, user, callId, kind));
          }
        }
      }
      // The admin removes two of those in the call (the host among them now and then).
      const targets = state.joined.length ? [pick(state.joined), pick([...state.joined, state.hostId])] : [];
      for (const userId of new Set(targets)) {
        actions.push(
          t.request({
            method: 'POST',
            url: `/api/admin/calls/${callId}/kick/${userId}`,
            headers: bearer(admin.token),
          }),
        );
      }

      const results = await Promise.all(actions);
      for (const res of results) {
        seen.add(res.status);
        expect([200, 403, 404, 409]).toContain(res.status);
      }
      state = await expectConsistent(callId);
    }
    // The rounds did what they are for: some actions succeeded and some were refused.
    expect(seen).toContain(200);
    expect(seen).toContain(409);
    expect(calls).toBeGreaterThanOrEqual(1);
  });
});
