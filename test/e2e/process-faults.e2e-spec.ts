import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mongoose from 'mongoose';
import { userFields } from '../factories/users';
import { freePort, MAIN_JS, spawnApi, Spawned, stopProcess } from '../support/processes';
import { closeSockets, connectSocket, emitWithAck, nextEvent } from '../support/sockets';
import { eventually } from '../support/eventually';

/**
 * Faults of the built API as a real process on the embedded database: a SIGTERM while requests
 * are in flight, and a kill -9 in the middle of a burst of writes followed by a restart on the
 * same data directory.
 */

const SHUTDOWN_TIMEOUT_S = 10;
const LEASE_S = 2;
const GRACE_S = 2;

interface Answer {
  status: number;
  body: { success: boolean; data?: { user?: { id: string }; call?: { id: string }; token?: string }; error?: unknown };
}
interface Account {
  id: string;
  email: string;
  password: string;
  token: string;
}
interface Api {
  proc: Spawned;
  url: string;
  env: Record<string, string>;
}

const started: Spawned[] = [];
const dirs: string[] = [];

beforeAll(() => {
  if (!existsSync(MAIN_JS)) throw new Error(`${MAIN_JS} is missing: run "npm run build" first (npm test does)`);
});
afterEach(() => closeSockets());
afterAll(async () => {
  await Promise.all(started.map((s) => stopProcess(s, 'SIGKILL')));
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function startApi(env: Record<string, string>): Promise<Api> {
  const proc = spawnApi(env);
  started.push(proc);
  await proc.waitFor(/Video Call API listening/);
  return { proc, url: `http://127.0.0.1:${env.PORT}`, env };
}

async function apiEnv(extra: Record<string, string> = {}): Promise<Record<string, string>> {
  const dir = mkdtempSync(join(tmpdir(), 'vc-faults-'));
  dirs.push(dir);
  return {
    HOST: '127.0.0.1',
    PORT: String(await freePort()),
    DATA_DIR: dir,
    JWT_SECRET: randomBytes(32).toString('hex'),
    THROTTLE_AUTH_LIMIT: '10000',
    THROTTLE_DEFAULT_LIMIT: '100000',
    SHUTDOWN_TIMEOUT: String(SHUTDOWN_TIMEOUT_S),
    ...extra,
  };
}

async function call(
  api: Api,
  method: string,
  path: string,
  options: { token?: string; body?: unknown } = {},
): Promise<Answer> {
  const res = await fetch(`${api.url}${path}`, {
    method,
    headers: {
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
    },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  return { status: res.status, body: (await res.json()) as Answer['body'] };
}

async function register(api: Api): Promise<Account> {
  const fields = userFields();
  const res = await call(api, 'POST', '/api/auth/register', { body: fields });
  expect(res.status).toBe(201);
  return { id: res.body.data!.user!.id, email: fields.email, password: fields.password, token: res.body.data!.token! };
}

/** The embedded database's process id, as it wrote it in the data directory. */
function databasePid(dataDir: string): number {
  return (JSON.parse(readFileSync(join(dataDir, 'embedded-db.json'), 'utf8')) as { pid: number }).pid;
}

/** Whether the process runs (a zombie waiting to be reaped counts as gone). */
function running(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

describe('graceful shutdown', () => {
  it('on SIGTERM finishes the requests in flight, drops sockets with a reason, stops the embedded database and exits 0 in time', async () => {
    const api = await startApi(await apiEnv());
    const users = [];
    for (let i = 0; i < 8; i += 1) users.push(await register(api));
    const dbPid = databasePid(api.env.DATA_DIR);
    expect(running(dbPid)).toBe(true);

    const socket = await connectSocket(api.url, users[0].token);
    const dropped = nextEvent<string>(socket, 'disconnect', (SHUTDOWN_TIMEOUT_S + 5) * 1000);

    // Logins hash with bcrypt (12 rounds) on the thread pool: eight of them take a while.
    let signalledAt = 0;
    const answeredAt: number[] = [];
    const logins = users.map((user) =>
      call(api, 'POST', '/api/auth/login', { body: { email: user.email, password: user.password } }).then((res) => {
        answeredAt.push(Date.now());
        return res;
      }),
    );
    // The first answer proves the server is working on the logins (all sent together, so all
    // received by then); the others are still hashing when the signal arrives.
    await Promise.race(logins);
    signalledAt = Date.now();
    await stopProcess(api.proc, 'SIGTERM');
    const exited = await api.proc.exit;
    const tookMs = Date.now() - signalledAt;

    const answers = await Promise.all(logins);
    for (const [i, res] of answers.entries()) {
      expect(res.status).toBe(200);
      expect(res.body.data).toMatchObject({ user: { id: users[i].id }, token: expect.any(String) });
    }
    // Some of them were answered after the signal: they were in flight, not done before it.
    expect(answeredAt.filter((at) => at >= signalledAt).length).toBeGreaterThan(0);

    // docs/realtime.md: closed without a disconnect packet, so the client reconnects elsewhere.
    expect(await dropped).toBe('transport close');
    expect(exited).toEqual({ code: 0, signal: null });
    expect(tookMs).toBeLessThan(SHUTDOWN_TIMEOUT_S * 1000);
    expect(api.proc.output.join('\n')).toMatch(/"msg":"stopped"/);
    await eventually(() => !running(dbPid), 5000, 'the embedded database to be gone');
    await expect(fetch(`${api.url}/api/health/live`)).rejects.toThrow();
  }, 120_000);
});

describe('crash during a burst of writes', () => {
  interface StoredCall {
    _id: string;
    status: string;
    joinedCount: number;
  }

  it('after kill -9 and a restart on the same data, the API serves, no acknowledged write is lost, no document is corrupted, and the participants left in a call room are marked left and their call ended', async () => {
    const dbPort = await freePort();
    const env = await apiEnv({
      EMBEDDED_DB_PORT: String(dbPort),
      SOCKET_INSTANCE_LEASE: String(LEASE_S),
      CALL_RECONNECT_GRACE: String(GRACE_S),
      SOCKET_RECOVERY_WINDOW: '1',
      CALL_IDLE_TIMEOUT: '1',
    });
    const first = await startApi(env);
    const [host, guest1, guest2, creator] = [
      await register(first),
      await register(first),
      await register(first),
      await register(first),
    ];

    // One call with three participants, each also in the call's room over a socket.
    const created = await call(first, 'POST', '/api/calls', {
      token: host.token,
      body: { callType: 'video', callMode: 'group', title: 'Before the crash', inviteUserIds: [guest1.id, guest2.id] },
    });
    expect(created.status).toBe(201);
    const roomCallId = created.body.data!.call!.id;
    for (const guest of [guest1, guest2]) {
      expect(
        (await call(first, 'POST', `/api/calls/${roomCallId}/join`, { token: guest.token, body: {} })).status,
      ).toBe(200);
    }
    for (const user of [host, guest1, guest2]) {
      const socket = await connectSocket(first.url, user.token);
      expect(await emitWithAck(socket, 'join-room', { roomId: roomCallId })).toMatchObject({ success: true });
    }

    // The burst: chat messages in the call from its three participants, and new calls (each
    // inviting one of them, who joins it and leaves it again) from a fourth user.
    const acked = { messages: [] as string[], calls: [] as string[], joins: 0 };
    let stop = false;
    const failures: Answer[] = [];
    const check = (res: Answer, status: number): boolean => {
      if (res.status === status) return true;
      failures.push(res);
      return false;
    };
    const chatter = async (user: Account) => {
      for (let n = 0; !stop; n += 1) {
        const message = `${user.id}:${n}`;
        const res = await call(first, 'POST', `/api/calls/${roomCallId}/chat`, {
          token: user.token,
          body: { message },
        });
        if (check(res, 201)) acked.messages.push(message);
      }
    };
    const caller = async () => {
      for (let n = 0; !stop; n += 1) {
        const invitee = [guest1, guest2][n % 2];
        const res = await call(first, 'POST', '/api/calls', {
          token: creator.token,
          body: { callType: 'audio', callMode: 'group', title: `Burst ${n}`, inviteUserIds: [invitee.id] },
        });
        if (!check(res, 201)) continue;
        const id = res.body.data!.call!.id;
        acked.calls.push(id);
        if (check(await call(first, 'POST', `/api/calls/${id}/join`, { token: invitee.token, body: {} }), 200)) {
          acked.joins += 1;
        }
      }
    };
    const workers = [chatter(host), chatter(guest1), chatter(guest2), caller()].map((work) =>
      // A request cut by the kill fails with a network error: that worker is done.
      work.catch(() => undefined),
    );

    const dbPid = databasePid(env.DATA_DIR);
    await eventually(() => acked.messages.length >= 60 && acked.joins >= 5, 60_000, 'the burst to get going');
    await stopProcess(first.proc, 'SIGKILL');
    stop = true;
    await Promise.all(workers);
    expect(failures).toEqual([]);
    // The embedded database does not outlive the API (it watches its stdin).
    await eventually(() => !running(dbPid), 10_000, 'the embedded database to stop');

    const second = await startApi(env);
    const killedCallIds = [roomCallId, ...acked.calls];

    // It serves again, with the same accounts and data.
    const ready = await fetch(`${second.url}/api/health/ready`);
    expect(ready.status).toBe(200);
    const profile = await call(second, 'GET', '/api/auth/profile', { token: creator.token });
    expect(profile.status).toBe(200);
    expect(profile.body.data).toMatchObject({ user: { id: creator.id } });
    const chat = await call(second, 'GET', `/api/calls/${roomCallId}/chat?limit=5`, { token: guest1.token });
    expect(chat.status).toBe(200);

    const connection = await mongoose.createConnection(`mongodb://127.0.0.1:${dbPort}/video_call`).asPromise();
    try {
      const db = connection.db!;
      // Every acknowledged write is there, once.
      const messages = await db.collection('chat_messages').find({ callId: roomCallId }).toArray();
      const texts = messages.map((m) => m.message as string);
      expect(new Set(texts).size).toBe(texts.length);
      expect(texts).toEqual(expect.arrayContaining(acked.messages));
      const calls = await db
        .collection<StoredCall>('calls')
        .find({ _id: { $in: killedCallIds } })
        .toArray();
      expect(calls.map((c) => String(c._id)).sort()).toEqual([...killedCallIds].sort());

      // No document is corrupted: each parses and has its required fields of the right types.
      for (const doc of await db.collection('calls').find({}).toArray()) {
        expect(doc).toMatchObject({
          _id: expect.any(String),
          channelName: expect.any(String),
          title: expect.any(String),
          callType: expect.stringMatching(/^(audio|video)$/),
          callMode: expect.any(String),
          hostId: expect.anything(),
          createdBy: expect.anything(),
          status: expect.any(String),
          maxParticipants: expect.any(Number),
          settings: expect.any(Object),
          joinedCount: expect.any(Number),
          lastActivityAt: expect.any(Date),
          createdAt: expect.any(Date),
        });
      }
      for (const doc of await db.collection('call_participants').find({}).toArray()) {
        expect(doc).toMatchObject({
          _id: expect.any(String),
          callId: expect.any(String),
          userId: expect.anything(),
          role: expect.any(String),
          agoraUid: expect.any(Number),
          state: expect.stringMatching(/^(joined|left|kicked)$/),
          joinedAt: expect.any(Date),
        });
      }
      for (const doc of await db.collection('chat_messages').find({}).toArray()) {
        expect(doc).toMatchObject({
          _id: expect.anything(),
          callId: expect.any(String),
          senderId: expect.anything(),
          message: expect.any(String),
          messageType: expect.any(String),
          createdAt: expect.any(Date),
        });
      }

      // Housekeeping: the sessions of the dead process end once its lease has run out, and the
      // participants in their call rooms are marked left after the grace; the last one out ends
      // the call.
      const participants = db.collection('call_participants');
      await eventually(
        async () => (await participants.countDocuments({ callId: roomCallId, state: 'joined' })) === 0,
        (LEASE_S + GRACE_S + 20) * 1000,
        'the participants left joined to be marked left',
      );
      await eventually(
        async () => (await db.collection<StoredCall>('calls').findOne({ _id: roomCallId }))?.status === 'ended',
        10_000,
        'the call to end',
      );
      expect(await db.collection<StoredCall>('calls').findOne({ _id: roomCallId })).toMatchObject({
        endReason: 'all-left',
        joinedCount: 0,
      });
    } finally {
      await connection.close();
    }
    expect((await stopProcess(second.proc)).code).toBe(0);
  }, 180_000);
});
