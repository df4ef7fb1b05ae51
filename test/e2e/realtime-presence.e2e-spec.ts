import { Types } from 'mongoose';
import { bearer, makeUser, RegisteredUser } from '../factories/users';
import { useTestApp } from '../support/app';
import { ClientSocket, closeSockets, connectSocket, listenForSockets, nextEvent } from '../support/sockets';

/** Presence over sockets: what a user's contacts are told, and the status others see in REST answers. */

const t = useTestApp();
let url: string;

beforeAll(async () => {
  url = await listenForSockets(t);
});
afterEach(() => closeSockets());

interface PresenceEvent {
  userId: string;
  status: string;
  lastSeenAt?: string | null;
  timestamp: string;
}

const setStatus = (user: RegisteredUser, status: string) =>
  t.request({ method: 'PUT', url: '/api/auth/status', body: { status }, headers: bearer(user.token) });

async function addContact(owner: RegisteredUser, contact: RegisteredUser): Promise<void> {
  const res = await t.request({
    method: 'POST',
    url: '/api/auth/contacts',
    body: { contactUserId: contact.id },
    headers: bearer(owner.token),
  });
  expect(res.status).toBe(201);
}

/** The status `viewer` sees for `user` in their contact list and in a search. */
async function statusSeenBy(
  viewer: RegisteredUser,
  user: RegisteredUser,
): Promise<{ contacts: string; search: string }> {
  const list = await t.request({ url: '/api/auth/contacts', headers: bearer(viewer.token) });
  const found = await t.request({
    url: `/api/auth/search-users?query=${encodeURIComponent(user.lastName)}`,
    headers: bearer(viewer.token),
  });
  const status = (users: { id: string; status: string }[]) => users.find((u) => u.id === user.id)?.status ?? 'absent';
  return { contacts: status(list.body.data.contacts), search: status(found.body.data.users) };
}

const lastSeenAt = async (user: RegisteredUser): Promise<Date | null> => {
  const stored = await (await t.db()).collection('users').findOne({ _id: new Types.ObjectId(user.id) });
  return (stored?.lastSeenAt as Date | null | undefined) ?? null;
};

/** Every event of these names the socket receives from now on. */
function collect(socket: ClientSocket, ...names: string[]): { event: string; payload: PresenceEvent }[] {
  const seen: { event: string; payload: PresenceEvent }[] = [];
  for (const name of names) socket.on(name, (payload: PresenceEvent) => seen.push({ event: name, payload }));
  return seen;
}

/** A user who chose `online`, and a watcher who has them as a contact, connected. */
async function watched(): Promise<{ user: RegisteredUser; watcher: RegisteredUser; watcherSocket: ClientSocket }> {
  const [user, watcher] = await Promise.all([makeUser(t), makeUser(t)]);
  await addContact(watcher, user);
  expect((await setStatus(user, 'online')).status).toBe(200);
  return { user, watcher, watcherSocket: await connectSocket(url, watcher.token) };
}

describe('user-online and user-offline', () => {
  it('tells a contact when the user connects, and when the last socket closes, recording lastSeenAt', async () => {
    const { user, watcherSocket } = await watched();
    const stranger = await connectSocket(url, (await makeUser(t)).token);
    const strangerSaw = collect(stranger, 'user-online', 'user-offline');
    const before = await lastSeenAt(user);

    const online = nextEvent<PresenceEvent>(watcherSocket, 'user-online');
    const socket = await connectSocket(url, user.token);
    expect(await online).toMatchObject({ userId: user.id, status: 'online', timestamp: expect.stringMatching(/Z$/) });

    const offline = nextEvent<PresenceEvent>(watcherSocket, 'user-offline');
    socket.close();
    const event = await offline;
    expect(event).toMatchObject({ userId: user.id, status: 'offline', lastSeenAt: expect.stringMatching(/Z$/) });
    const recorded = await lastSeenAt(user);
    expect(recorded?.toISOString()).toBe(event.lastSeenAt);
    expect(recorded!.getTime()).toBeGreaterThan(before?.getTime() ?? 0);
    // Both events were emitted to the contacts' rooms only, in the same emit the watcher heard.
    expect(strangerSaw).toEqual([]);
  });

  it('does not report a replaced connection as offline: the user stays connected', async () => {
    const { user, watcher, watcherSocket } = await watched();
    const seen = collect(watcherSocket, 'user-online', 'user-offline');
    const online = nextEvent(watcherSocket, 'user-online');
    await connectSocket(url, user.token);
    await online;
    await connectSocket(url, user.token);
    expect(await statusSeenBy(watcher, user)).toEqual({ contacts: 'online', search: 'online' });
    expect(seen.map((e) => e.event)).toEqual(['user-online']);
  });
});

describe('a chosen status', () => {
  it('is pushed to contacts when changed over REST while connected', async () => {
    const { user, watcherSocket } = await watched();
    const online = nextEvent(watcherSocket, 'user-online');
    await connectSocket(url, user.token);
    await online;

    const busy = nextEvent<PresenceEvent>(watcherSocket, 'user-online');
    expect((await setStatus(user, 'busy')).status).toBe(200);
    expect(await busy).toMatchObject({ userId: user.id, status: 'busy' });

    const hidden = nextEvent<PresenceEvent>(watcherSocket, 'user-offline');
    expect((await setStatus(user, 'offline')).status).toBe(200);
    expect(await hidden).toMatchObject({ userId: user.id, status: 'offline' });
  });

  it('survives a disconnect: the user still sees busy, others see offline until the user is back', async () => {
    const { user, watcher, watcherSocket } = await watched();
    expect((await setStatus(user, 'busy')).status).toBe(200);
    const online = nextEvent<PresenceEvent>(watcherSocket, 'user-online');
    const socket = await connectSocket(url, user.token);
    expect(await online).toMatchObject({ userId: user.id, status: 'busy' });
    expect(await statusSeenBy(watcher, user)).toEqual({ contacts: 'busy', search: 'busy' });

    const offline = nextEvent(watcherSocket, 'user-offline');
    socket.close();
    await offline;
    const profile = await t.request({ url: '/api/auth/profile', headers: bearer(user.token) });
    expect(profile.body.data.user.status).toBe('busy');
    expect(await statusSeenBy(watcher, user)).toEqual({ contacts: 'offline', search: 'offline' });

    const back = nextEvent<PresenceEvent>(watcherSocket, 'user-online');
    await connectSocket(url, user.token);
    expect(await back).toMatchObject({ userId: user.id, status: 'busy' });
  });

  it('of offline keeps a connected user offline to others', async () => {
    const { user, watcher } = await watched();
    expect((await setStatus(user, 'offline')).status).toBe(200);
    await connectSocket(url, user.token);
    expect(await statusSeenBy(watcher, user)).toEqual({ contacts: 'offline', search: 'offline' });
  });
});
