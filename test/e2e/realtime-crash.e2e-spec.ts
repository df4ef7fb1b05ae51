import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { callAction, callDetails, makeCall, participantOf } from '../factories/calls';
import { bearer, makeUser, RegisteredUser } from '../factories/users';
import { startTestApp, TestApp, testDatabaseUri } from '../support/app';
import { freePort, MAIN_JS, spawnApi, Spawned, stopProcess } from '../support/processes';
import { closeSockets, connectSocket, emitWithAck, listenForSockets, nextEvent } from '../support/sockets';
import { eventually } from '../support/eventually';

/**
 * An instance killed with SIGKILL runs no disconnect handler. The production build runs as a
 * child process beside an in-process instance (one database, the machine's Redis); once the
 * child's lease has run out, the survivor ends its sessions: contacts hear `user-offline`, and its
 * call participants are marked left after the reconnect grace unless back in the room in time.
 */

const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const LEASE_S = 2;
const GRACE_S = 3;

let survivor: TestApp;
let survivorUrl: string;
let child: Spawned;
let childUrl: string;
let dataDir: string;

beforeAll(async () => {
  if (!existsSync(MAIN_JS)) throw new Error(`${MAIN_JS} is missing: run "npm run build" first (npm test does)`);
  const shared = {
    REDIS_URL: redisUrl,
    MONGODB_URI: testDatabaseUri(),
    JWT_SECRET: randomBytes(32).toString('hex'),
    SOCKET_INSTANCE_LEASE: String(LEASE_S),
    CALL_RECONNECT_GRACE: String(GRACE_S),
    SOCKET_RECOVERY_WINDOW: '1',
  };
  dataDir = mkdtempSync(join(tmpdir(), 'vc-crash-'));
  const port = await freePort();
  child = spawnApi({ ...shared, HOST: '127.0.0.1', PORT: String(port), DATA_DIR: dataDir });
  childUrl = `http://127.0.0.1:${port}`;
  survivor = await startTestApp({ env: shared });
  survivorUrl = await listenForSockets(survivor);
  await child.waitFor(/Video Call API listening/);
});
afterEach(() => closeSockets());
afterAll(async () => {
  if (child) await stopProcess(child, 'SIGKILL');
  await survivor?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const details = (viewer: RegisteredUser, callId: string) => callDetails(survivor, viewer, callId);

/** Until the instance holding the user's session has it listed in that call room (written after join-room). */
async function sessionInRoom(userId: string, callId: string): Promise<void> {
  const sessions = (await survivor.db()).collection<{ _id: string; rooms: string[] }>('live_sessions');
  await eventually(async () => (await sessions.findOne({ _id: userId }))?.rooms.includes(callId) ?? false, 5000);
}

it('after a kill -9, contacts hear user-offline and the dead instance’s participants are marked left after the grace (host handed over), unless back in time on the survivor', async () => {
  const [hostUser, rejoinerUser, stayerUser, watcherUser] = await Promise.all([
    makeUser(survivor),
    makeUser(survivor),
    makeUser(survivor),
    makeUser(survivor),
  ]);
  const added = await survivor.request({
    method: 'POST',
    url: '/api/auth/contacts',
    body: { contactUserId: hostUser.id },
    headers: bearer(watcherUser.token),
  });
  expect(added.status).toBe(201);
  const call = await makeCall(survivor, hostUser, { inviteUserIds: [rejoinerUser.id, stayerUser.id] });
  for (const user of [rejoinerUser, stayerUser]) {
    expect((await callAction(survivor, user, call.id, 'join')).status).toBe(200);
  }

  // The stayer and the watcher on the survivor; the host and the rejoiner on the instance that dies.
  const watcher = await connectSocket(survivorUrl, watcherUser.token);
  const stayer = await connectSocket(survivorUrl, stayerUser.token);
  expect(await emitWithAck(stayer, 'join-room', { roomId: call.id })).toMatchObject({ success: true });
  const hostOnline = nextEvent(watcher, 'user-online');
  const host = await connectSocket(childUrl, hostUser.token);
  await hostOnline;
  const rejoiner = await connectSocket(childUrl, rejoinerUser.token);
  for (const socket of [host, rejoiner]) {
    expect(await emitWithAck(socket, 'join-room', { roomId: call.id })).toMatchObject({ success: true });
  }
  await sessionInRoom(hostUser.id, call.id);
  await sessionInRoom(rejoinerUser.id, call.id);

  const offline = nextEvent<{ userId: string; status: string }>(watcher, 'user-offline', (LEASE_S + 5) * 1000);
  const hostLeftRoom = nextEvent<{ userId: string }>(stayer, 'user-left', (LEASE_S + 5) * 1000);
  const handedOver = nextEvent<{ newHostId: string }>(stayer, 'host-changed', (LEASE_S + GRACE_S + 8) * 1000);
  const killedAt = Date.now();
  await stopProcess(child, 'SIGKILL');

  // The rejoiner's client reconnects to the survivor and rejoins the room within the grace.
  const back = await connectSocket(survivorUrl, rejoinerUser.token);
  expect(await emitWithAck(back, 'join-room', { roomId: call.id })).toMatchObject({ success: true });

  expect(await offline).toMatchObject({ userId: hostUser.id, status: 'offline' });
  expect(Date.now() - killedAt).toBeGreaterThanOrEqual((LEASE_S - 1) * 1000);
  expect((await hostLeftRoom).userId).toBe(hostUser.id);
  expect(participantOf(await details(stayerUser, call.id), hostUser.id)?.state).toBe('joined');

  expect([rejoinerUser.id, stayerUser.id]).toContain((await handedOver).newHostId);
  const after = await details(stayerUser, call.id);
  expect(after.status).toBe('active');
  expect(participantOf(after, hostUser.id)?.state).toBe('left');
  expect(participantOf(after, rejoinerUser.id)?.state).toBe('joined');
  expect(participantOf(after, stayerUser.id)?.state).toBe('joined');
  // The rejoiner stays: nothing swept later marks them left.
  await new Promise((resolve) => setTimeout(resolve, GRACE_S * 1000));
  expect(participantOf(await details(stayerUser, call.id), rejoinerUser.id)?.state).toBe('joined');

  const watcherView = await survivor.request({ url: '/api/auth/contacts', headers: bearer(watcherUser.token) });
  expect(watcherView.body.data.contacts[0]).toMatchObject({ id: hostUser.id, status: 'offline' });
});
