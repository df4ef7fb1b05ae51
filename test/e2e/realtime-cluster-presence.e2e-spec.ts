import { randomBytes } from 'node:crypto';
import { bearer, makeUser, RegisteredUser, userFields } from '../factories/users';
import { randomIp, startTestApp, TestApp, testDatabaseUri } from '../support/app';
import { ClientSocket, closeSockets, connectSocket, listenForSockets, nextEvent } from '../support/sockets';

/**
 * Presence across two instances of one deployment (one database, the machine's Redis): whether a
 * user is connected is one live session in the database, so every instance answers the same, and
 * the one-connection rule replacing a socket on another instance is not a disconnect.
 */

const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

interface PresenceEvent {
  userId: string;
  status: string;
}

let a: TestApp;
let b: TestApp;
let urlA: string;
let urlB: string;

beforeAll(async () => {
  const shared = { REDIS_URL: redisUrl, MONGODB_URI: testDatabaseUri(), JWT_SECRET: randomBytes(32).toString('hex') };
  a = await startTestApp({ env: shared });
  b = await startTestApp({ env: shared });
  urlA = await listenForSockets(a);
  urlB = await listenForSockets(b);
});
afterEach(() => closeSockets());
afterAll(async () => {
  await a?.close();
  await b?.close();
});

async function addContact(app: TestApp, owner: RegisteredUser, contact: RegisteredUser): Promise<void> {
  const res = await app.request({
    method: 'POST',
    url: '/api/auth/contacts',
    body: { contactUserId: contact.id },
    headers: bearer(owner.token),
  });
  expect(res.status).toBe(201);
}

/** The status `viewer` sees for `user` in their contact list and in a search, served by `app`. */
async function statusSeenBy(app: TestApp, viewer: RegisteredUser, user: RegisteredUser) {
  const list = await app.request({ url: '/api/auth/contacts', headers: bearer(viewer.token) });
  const found = await app.request({
    url: `/api/auth/search-users?query=${encodeURIComponent(user.lastName)}`,
    headers: bearer(viewer.token),
  });
  const status = (users: { id: string; status: string }[]) => users.find((u) => u.id === user.id)?.status ?? 'absent';
  return { contacts: status(list.body.data.contacts), search: status(found.body.data.users) };
}

/** Every presence event the socket receives from now on. */
function collect(socket: ClientSocket): { event: string; payload: PresenceEvent }[] {
  const seen: { event: string; payload: PresenceEvent }[] = [];
  for (const name of ['user-online', 'user-offline']) {
    socket.on(name, (payload: PresenceEvent) => seen.push({ event: name, payload }));
  }
  return seen;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('presence across two instances', () => {
  it('shows a user connected to A as online in answers served by B, and offline on both once gone', async () => {
    const [user, watcher] = await Promise.all([makeUser(a), makeUser(a)]);
    await addContact(b, watcher, user);
    const watcherSocket = await connectSocket(urlB, watcher.token);

    const online = nextEvent<PresenceEvent>(watcherSocket, 'user-online');
    const socket = await connectSocket(urlA, user.token);
    expect(await online).toMatchObject({ userId: user.id, status: 'online' });
    expect(await statusSeenBy(b, watcher, user)).toEqual({ contacts: 'online', search: 'online' });
    expect(await statusSeenBy(a, watcher, user)).toEqual({ contacts: 'online', search: 'online' });

    const offline = nextEvent<PresenceEvent>(watcherSocket, 'user-offline');
    socket.close();
    expect(await offline).toMatchObject({ userId: user.id, status: 'offline' });
    expect(await statusSeenBy(b, watcher, user)).toEqual({ contacts: 'offline', search: 'offline' });
  });

  it('a connection on B replacing the one on A is no disconnect; closing the one on B is exactly one user-offline', async () => {
    const [user, watcher] = await Promise.all([makeUser(a), makeUser(a)]);
    await addContact(a, watcher, user);
    const watcherSocket = await connectSocket(urlA, watcher.token);
    const online = nextEvent(watcherSocket, 'user-online');
    const onA = await connectSocket(urlA, user.token);
    await online;
    const seen = collect(watcherSocket);

    const replaced = nextEvent(onA, 'disconnect');
    const onB = await connectSocket(urlB, user.token);
    await replaced;
    // Time for a wrong user-offline from A's late disconnect to arrive.
    await pause(500);
    expect(seen).toEqual([]);
    expect(await statusSeenBy(a, watcher, user)).toEqual({ contacts: 'online', search: 'online' });
    expect(await statusSeenBy(b, watcher, user)).toEqual({ contacts: 'online', search: 'online' });

    const offline = nextEvent<PresenceEvent>(watcherSocket, 'user-offline');
    onB.close();
    expect(await offline).toMatchObject({ userId: user.id, status: 'offline' });
    await pause(500);
    expect(seen.map((e) => e.event)).toEqual(['user-offline']);
    expect(await statusSeenBy(a, watcher, user)).toEqual({ contacts: 'offline', search: 'offline' });
  });
});

describe('a new account', () => {
  it('shows online, the status it starts with, in its own login answer and profile; a contact sees it offline until it connects', async () => {
    const fields = userFields();
    const registered = await a.request({
      method: 'POST',
      url: '/api/auth/register',
      body: fields,
      remoteAddress: randomIp(),
    });
    expect(registered.status).toBe(201);
    expect(registered.body.data.user.status).toBe('online');
    const user: RegisteredUser = {
      id: registered.body.data.user.id,
      email: fields.email,
      password: fields.password,
      token: registered.body.data.token,
      firstName: fields.firstName,
      lastName: fields.lastName,
    };
    const profile = await b.request({ url: '/api/auth/profile', headers: bearer(user.token) });
    expect(profile.body.data.user.status).toBe('online');
    const login = await b.request({
      method: 'POST',
      url: '/api/auth/login',
      body: { email: fields.email, password: fields.password },
      remoteAddress: randomIp(),
    });
    expect(login.body.data.user.status).toBe('online');

    const watcher = await makeUser(a);
    await addContact(a, watcher, user);
    expect(await statusSeenBy(b, watcher, user)).toEqual({ contacts: 'offline', search: 'offline' });
    const watcherSocket = await connectSocket(urlA, watcher.token);
    const online = nextEvent<PresenceEvent>(watcherSocket, 'user-online');
    await connectSocket(urlB, login.body.data.token as string);
    expect(await online).toMatchObject({ userId: user.id, status: 'online' });
    expect(await statusSeenBy(a, watcher, user)).toEqual({ contacts: 'online', search: 'online' });
  });
});
