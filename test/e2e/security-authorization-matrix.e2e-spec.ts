import { Module } from '@nestjs/common';
import { WebSocketGateway, WebSocketServer } from '@nestjs/websockets';
import { Server } from 'socket.io';
import { AccountChanges, UsersService } from '../../apps/api/src/modules/users';
import { callAction, makeCall } from '../factories/calls';
import { bearer, makeStaff, makeUser, RegisteredUser, userFields } from '../factories/users';
import { randomIp, TestResponse, useTestApp } from '../support/app';
import { waitForMail } from '../support/mail';
import { registeredRoutes } from '../support/routes';
import {
  AckAnswer,
  ClientSocket,
  closeSockets,
  connectSocket,
  emitWithAck,
  listenForSockets,
  refusedConnection,
} from '../support/sockets';

/**
 * The authorization matrix (issue "Proof under load, faults and attack", security test 1): every
 * REST route and every client socket event, called as each of six roles, with the answer each
 * must get.
 *
 * - owner: the subject that owns the object in the path: the call's host or participant, the
 *   invitee of an invitation, the holder of a contact list, the user themself (for routes on one's
 *   own account, and for admin routes on one's own account or call: still 403, owning is not staff);
 * - another user: a signed-in stranger with no relation to the object; on routes about one's own
 *   account they act on their own, and nothing of the owner's may show in what they get;
 * - moderator, admin: staff; they have no privilege on the user routes (a call is private to the
 *   people in it, whoever asks), only on `/api/admin`;
 * - suspended: an account suspended after signing in (its token is revoked: 401 everywhere, the
 *   socket handshake refused; signing in again 403);
 * - anonymous: no token.
 *
 * Every cell gets fresh objects (calls, contacts, accounts where the route consumes them), so
 * cells and rows never depend on each other. The routes and events are read from the running
 * app: one without a row fails, and so does a row without its route or event.
 */

const ROLES = ['owner', 'another user', 'moderator', 'admin', 'suspended', 'anonymous'] as const;
type Role = (typeof ROLES)[number];
/**
 * The other roles' cells run together, the owner's after them: a non-owner who got through
 * wrongly shows up in the owner's answer too, and the checks that the owner's objects are intact
 * run before the owner changes them.
 */
const OTHERS: Role[] = ['another user', 'moderator', 'admin', 'suspended', 'anonymous'];

/** One expected answer per role, in the order of ROLES. */
type Cells<T> = [owner: T, another: T, moderator: T, admin: T, suspended: T, anonymous: T];
/** An HTTP status, or the statuses a cell may get (a health check that can fail on a busy machine). */
type Status = number | readonly number[];

/** A route on one's own account or objects: staff are users like any other there. */
const user = (owner: Status, others: Status): Cells<Status> => [owner, others, others, others, 401, 401];
/** An `/api/admin` route on a real object; its owner is a plain user. */
const staff = (moderator: Status, admin: Status): Cells<Status> => [403, 403, moderator, admin, 401, 401];
/** Open to anyone (the spec's public routes): the same answer whatever token comes with it. */
const open = (status: Status): Cells<Status> => [status, status, status, status, status, status];
/** A health answer: 503 when one of its checks fails (the machine is busy), never refused. */
const HEALTH = [200, 503] as const;

const statusText = (status: Status) => [status].flat().join('|');
const accepts = (status: Status, got: number) => [status].flat().includes(got);
const refuses = (status: Status) => [status].flat().every((s) => s >= 300);

/** The people of one row, as one cell sees them. */
interface Scene {
  role: Role;
  /** The row's owner, made on first use and shared by the row's cells. */
  owner(): Promise<RegisteredUser>;
  /** A second user of the row (an invitee, a contact, a participant), made on first use. */
  peer(): Promise<RegisteredUser>;
  /** The user this cell calls as (undefined for anonymous); the owner for the owner's cell. */
  caller(): Promise<RegisteredUser | undefined>;
  /** A fresh account for this cell alone (for routes that consume their target). */
  fresh(): Promise<RegisteredUser>;
  /** Something the row's cells share, made once by the first cell that asks. */
  once<T>(name: string, make: () => Promise<T>): Promise<T>;
}

interface Target {
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  url: string;
  body?: unknown;
  /** Who the owner's cell calls as, when not the row's owner (an invitee, a suspended target). */
  as?: RegisteredUser;
  /** The owner's data that no other caller's successful answer may contain. */
  secret?: string;
  /** After a non-owner's call: the owner's object as it was. */
  intact?: () => Promise<boolean>;
}

interface RestRow {
  expect: Cells<Status>;
  arrange(scene: Scene): Promise<Target>;
  /**
   * The route changes the caller's own session (logout, change-password): the other roles call
   * as fresh accounts of their role, not as the file's shared ones.
   */
  freshCallers?: boolean;
}

/** Test-only: the app's Socket.IO server, to list the events a connected socket listens to. */
@WebSocketGateway()
class ServerHandle {
  @WebSocketServer() server!: Server;
}
@Module({ providers: [ServerHandle] })
class ServerHandleModule {}

const t = useTestApp({
  modules: [ServerHandleModule],
  env: {
    // Hundreds of requests from a few accounts: the limits themselves are proved in security-limits and rate-limit.
    THROTTLE_DEFAULT_LIMIT: '100000',
    THROTTLE_AUTH_LIMIT: '100000',
    THROTTLE_ADMIN_LIMIT: '100000',
    THROTTLE_SEARCH_LIMIT: '100000',
    SOCKET_EVENT_RATE: '1000',
    SOCKET_EVENT_BURST: '1000',
  },
});

const shared = {} as Record<'another user' | 'moderator' | 'admin' | 'suspended', RegisteredUser>;
let url: string;

beforeAll(async () => {
  url = await listenForSockets(t);
  const [stranger, moderator, admin, suspended] = await Promise.all([
    makeUser(t),
    makeStaff(t, 'moderator'),
    makeStaff(t, 'admin'),
    makeUser(t),
  ]);
  Object.assign(shared, { 'another user': stranger, moderator, admin, suspended });
  await suspend(suspended);
});
afterEach(() => closeSockets());

async function suspend(who: RegisteredUser): Promise<void> {
  const record = await t.app.get(UsersService).findById(who.id);
  if (!record) throw new Error(`user ${who.id} not found`);
  await t.app.get(AccountChanges).change(record, { status: 'suspended', reason: 'authorization matrix' }, null);
}

const send = (method: Target['method'], path: string, who?: RegisteredUser, body?: unknown) =>
  t.request({ method, url: path, body, headers: who ? bearer(who.token) : {}, remoteAddress: randomIp() });

/** A call hosted by `host` with `guest` joined over REST. */
async function callWith(host: RegisteredUser, guest: RegisteredUser, overrides: Record<string, unknown> = {}) {
  const call = await makeCall(t, host, { inviteUserIds: [guest.id], ...overrides });
  const joined = await callAction(t, guest, call.id, 'join');
  if (joined.status !== 200) throw new Error(`join failed: ${joined.status} ${joined.text}`);
  return call.id as string;
}

async function endedCall(host: RegisteredUser): Promise<string> {
  const call = await makeCall(t, host);
  const ended = await callAction(t, host, call.id, 'end');
  if (ended.status !== 200) throw new Error(`end failed: ${ended.status} ${ended.text}`);
  return call.id as string;
}

const callStatus = async (host: RegisteredUser, callId: string) =>
  (await send('GET', `/api/calls/${callId}`, host)).body?.data?.call?.status;
const profileOf = async (who: RegisteredUser) => (await send('GET', '/api/auth/profile', who)).body?.data?.user;
const contactIds = async (who: RegisteredUser): Promise<string[]> =>
  ((await send('GET', '/api/auth/contacts', who)).body?.data?.contacts ?? []).map((c: { id: string }) => c.id);

async function addContact(owner: RegisteredUser, contact: RegisteredUser): Promise<void> {
  const res = await send('POST', '/api/auth/contacts', owner, { contactUserId: contact.id });
  if (res.status !== 201) throw new Error(`add contact failed: ${res.status} ${res.text}`);
}

/** The token of the newest mail of this kind to `who` (mail goes out after the answer; the machine may be busy). */
async function linkToken(who: RegisteredUser, subject: RegExp): Promise<string> {
  const mail = await waitForMail(t, who.email, { subject, timeoutMs: 30_000 });
  if (!mail.token) throw new Error(`the mail to ${who.email} carries no link`);
  return mail.token;
}

/** The target of an admin route on accounts: a fresh account for the staff who may change it, else the owner. */
const accountFor = (s: Scene) => (s.role === 'moderator' || s.role === 'admin' ? s.fresh() : s.owner());

const CALL_ID = (s: Scene) =>
  s
    .owner()
    .then((owner) => makeCall(t, owner))
    .then((call) => call.id as string);

const REST: Record<string, RestRow> = {
  // Authentication: public, except logout and change-password (on one's own session).
  'POST /api/auth/register': {
    expect: open(201),
    arrange: async () => ({ url: '/api/auth/register', body: userFields() }),
  },
  'POST /api/auth/login': {
    // Each signs in with their own credentials (anonymous with the owner's); a suspended account is refused.
    expect: [200, 200, 200, 200, 403, 200],
    arrange: async (s) => {
      const who = (await s.caller()) ?? (await s.owner());
      return { url: '/api/auth/login', body: { email: who.email, password: who.password } };
    },
  },
  'POST /api/auth/logout': {
    expect: user(200, 200),
    freshCallers: true,
    arrange: async (s) => {
      const owner = await s.owner();
      return {
        url: '/api/auth/logout',
        // Someone else's logout revokes their own token, never the owner's.
        intact: async () => (await send('GET', '/api/auth/profile', owner)).status === 200,
      };
    },
  },
  'POST /api/auth/change-password': {
    expect: user(200, 200),
    freshCallers: true,
    arrange: async (s) => {
      const owner = await s.owner();
      const who = (await s.caller()) ?? owner;
      return {
        url: '/api/auth/change-password',
        body: { currentPassword: who.password, newPassword: 'ChangedPass456' },
        intact: async () => (await send('GET', '/api/auth/profile', owner)).status === 200,
      };
    },
  },
  'POST /api/auth/forgot-password': {
    expect: open(200),
    arrange: async (s) => ({ url: '/api/auth/forgot-password', body: { email: (await s.owner()).email } }),
  },
  'POST /api/auth/reset-password/:token': {
    // The link is the credential: whoever holds a fresh one sets the password, whatever token comes with it.
    expect: open(200),
    arrange: async (s) => {
      const owner = await s.fresh();
      await send('POST', '/api/auth/forgot-password', undefined, { email: owner.email });
      const token = await linkToken(owner, /Reset your password/);
      return { url: `/api/auth/reset-password/${token}`, body: { newPassword: 'ResetPass789' } };
    },
  },
  'GET /api/auth/verify-email/:token': {
    expect: open(200),
    arrange: async (s) => {
      const owner = await s.fresh();
      const token = await linkToken(owner, /Confirm your email/);
      return { url: `/api/auth/verify-email/${token}` };
    },
  },
  'POST /api/auth/resend-verification': {
    expect: open(200),
    arrange: async (s) => ({ url: '/api/auth/resend-verification', body: { email: (await s.owner()).email } }),
  },

  // One's own profile, presence and contacts: everyone signed in gets their own, never the owner's.
  'GET /api/auth/profile': {
    expect: user(200, 200),
    arrange: async (s) => ({ url: '/api/auth/profile', secret: (await s.owner()).email }),
  },
  'PUT /api/auth/profile': {
    expect: user(200, 200),
    arrange: async (s) => {
      const owner = await s.owner();
      return {
        method: 'PUT',
        url: '/api/auth/profile',
        body: { lastName: 'Matrix' },
        intact: async () => (await profileOf(owner))?.lastName === owner.lastName,
      };
    },
  },
  'PUT /api/auth/status': {
    expect: user(200, 200),
    arrange: async () => ({ method: 'PUT', url: '/api/auth/status', body: { status: 'away' } }),
  },
  'GET /api/auth/contacts': {
    expect: user(200, 200),
    arrange: async (s) => {
      const [owner, contact] = await Promise.all([s.owner(), s.peer()]);
      await s.once('contact', () => addContact(owner, contact));
      return { url: '/api/auth/contacts', secret: contact.id };
    },
  },
  'POST /api/auth/contacts': {
    // Into one's own list: each caller adds the row's peer to theirs.
    expect: user(201, 201),
    arrange: async (s) => ({ url: '/api/auth/contacts', body: { contactUserId: (await s.peer()).id } }),
  },
  'DELETE /api/auth/contacts/:contactUserId': {
    // Only from one's own list: the owner's contact is not in anyone else's (404).
    expect: user(200, 404),
    arrange: async (s) => {
      const [owner, contact] = await Promise.all([s.owner(), s.peer()]);
      await s.once('contact', () => addContact(owner, contact));
      return {
        method: 'DELETE',
        url: `/api/auth/contacts/${contact.id}`,
        intact: async () => (await contactIds(owner)).includes(contact.id),
      };
    },
  },
  'GET /api/auth/search-users': {
    expect: user(200, 200),
    arrange: async (s) => ({ url: `/api/auth/search-users?query=${(await s.peer()).lastName}` }),
  },

  // Calls: only the people of a call (host, participants, invitees) reach it; staff are no exception.
  'POST /api/calls': {
    expect: user(201, 201),
    arrange: async () => ({ url: '/api/calls', body: { callType: 'audio', callMode: 'group', title: 'Matrix' } }),
  },
  'GET /api/calls/active': {
    expect: user(200, 200),
    arrange: async (s) => ({ url: '/api/calls/active', secret: await CALL_ID(s) }),
  },
  'GET /api/calls/history': {
    expect: user(200, 200),
    arrange: async (s) => ({ url: '/api/calls/history', secret: await endedCall(await s.owner()) }),
  },
  'GET /api/calls/:id': {
    expect: user(200, 403),
    arrange: async (s) => ({ url: `/api/calls/${await CALL_ID(s)}` }),
  },
  'POST /api/calls/:id/join': {
    // A one-to-one call: its invitee (the owner) may join, nobody else (a group call without a password is open to anyone with its id).
    expect: user(200, 403),
    arrange: async (s) => {
      const [invitee, host] = await Promise.all([s.owner(), s.peer()]);
      const call = await makeCall(t, host, { callMode: 'one-to-one', inviteUserIds: [invitee.id] });
      return { url: `/api/calls/${call.id}/join`, body: {} };
    },
  },
  'POST /api/calls/:id/leave': {
    expect: user(200, 403),
    arrange: async (s) => {
      const owner = await s.owner();
      const callId = await callWith(await s.peer(), owner);
      return { url: `/api/calls/${callId}/leave`, body: {} };
    },
  },
  'POST /api/calls/:id/end': {
    expect: user(200, 403),
    arrange: async (s) => {
      const owner = await s.owner();
      const callId = await CALL_ID(s);
      return { url: `/api/calls/${callId}/end`, intact: async () => (await callStatus(owner, callId)) === 'active' };
    },
  },
  'POST /api/calls/:id/invite': {
    expect: user(200, 403),
    arrange: async (s) => ({ url: `/api/calls/${await CALL_ID(s)}/invite`, body: { userIds: [(await s.peer()).id] } }),
  },
  'POST /api/calls/:id/respond': {
    // The invitee answers their own invitation; nobody else has one to answer.
    expect: user(200, 403),
    arrange: async (s) => {
      const [invitee, host] = await Promise.all([s.owner(), s.peer()]);
      const call = await makeCall(t, host, { inviteUserIds: [invitee.id] });
      return { url: `/api/calls/${call.id}/respond`, body: { response: 'declined' } };
    },
  },
  'PUT /api/calls/:id/media': {
    expect: user(200, 403),
    arrange: async (s) => ({
      method: 'PUT',
      url: `/api/calls/${await CALL_ID(s)}/media`,
      body: { audioEnabled: false },
    }),
  },
  'POST /api/calls/:id/chat': {
    expect: user(201, 403),
    arrange: async (s) => ({ url: `/api/calls/${await CALL_ID(s)}/chat`, body: { message: 'matrix' } }),
  },
  'GET /api/calls/:id/chat': {
    expect: user(200, 403),
    arrange: async (s) => ({ url: `/api/calls/${await CALL_ID(s)}/chat` }),
  },
  'GET /api/calls/:id/token': {
    expect: user(200, 403),
    arrange: async (s) => ({ url: `/api/calls/${await CALL_ID(s)}/token` }),
  },

  // Health: public (what they show anonymously is checked in health-details).
  ...Object.fromEntries(
    [
      '',
      '/live',
      '/ready',
      '/database',
      '/memory',
      '/cpu',
      '/disk',
      '/external',
      '/dependencies',
      '/info',
      '/system',
      '/uptime',
      '/version',
      '/metrics',
    ].map((sub): [string, RestRow] => [
      `GET /api/health${sub}`,
      { expect: open(HEALTH), arrange: async () => ({ url: `/api/health${sub}` }) },
    ]),
  ),

  // Admin: moderators read, end, kick, suspend and activate; only admins delete users, clean up and back up.
  'GET /api/admin/dashboard': { expect: staff(200, 200), arrange: async () => ({ url: '/api/admin/dashboard' }) },
  'GET /api/admin/analytics': {
    expect: staff(200, 200),
    arrange: async () => ({ url: '/api/admin/analytics?startDate=2026-01-01&endDate=2026-01-31&granularity=day' }),
  },
  'GET /api/admin/analytics/calls': {
    expect: staff(200, 200),
    arrange: async () => ({ url: '/api/admin/analytics/calls' }),
  },
  'GET /api/admin/analytics/users': {
    expect: staff(200, 200),
    arrange: async () => ({ url: '/api/admin/analytics/users' }),
  },
  'GET /api/admin/users': { expect: staff(200, 200), arrange: async () => ({ url: '/api/admin/users' }) },
  'GET /api/admin/users/:userId': {
    expect: staff(200, 200),
    arrange: async (s) => ({ url: `/api/admin/users/${(await s.owner()).id}` }),
  },
  'PUT /api/admin/users/:userId': {
    expect: staff(200, 200),
    arrange: async (s) => {
      const target = await accountFor(s);
      return {
        method: 'PUT',
        url: `/api/admin/users/${target.id}`,
        body: { lastName: 'Matrix' },
        intact: async () => (await profileOf(target))?.lastName === target.lastName,
      };
    },
  },
  'DELETE /api/admin/users/:userId': {
    expect: staff(403, 200),
    arrange: async (s) => {
      const target = await accountFor(s);
      return {
        method: 'DELETE',
        url: `/api/admin/users/${target.id}`,
        intact: async () => (await profileOf(target)) !== undefined,
      };
    },
  },
  'POST /api/admin/users/:userId/suspend': {
    expect: staff(200, 200),
    arrange: async (s) => {
      const target = await accountFor(s);
      return {
        url: `/api/admin/users/${target.id}/suspend`,
        body: { reason: 'authorization matrix' },
        intact: async () => (await profileOf(target))?.status !== 'suspended',
      };
    },
  },
  'POST /api/admin/users/:userId/activate': {
    // The owner here is the suspended account itself: its token no longer works (401).
    expect: [401, 403, 200, 200, 401, 401],
    arrange: async (s) => {
      const suspended = async (target: RegisteredUser) => {
        await suspend(target);
        return target;
      };
      const target =
        s.role === 'moderator' || s.role === 'admin'
          ? await suspended(await s.fresh())
          : await s.once('suspended owner', async () => suspended(await s.owner()));
      return { url: `/api/admin/users/${target.id}/activate`, as: target };
    },
  },
  'GET /api/admin/calls': { expect: staff(200, 200), arrange: async () => ({ url: '/api/admin/calls' }) },
  'GET /api/admin/calls/:callId': {
    expect: staff(200, 200),
    arrange: async (s) => ({ url: `/api/admin/calls/${await CALL_ID(s)}` }),
  },
  'POST /api/admin/calls/:callId/end': {
    expect: staff(200, 200),
    arrange: async (s) => {
      const owner = await s.owner();
      const callId = await CALL_ID(s);
      return {
        url: `/api/admin/calls/${callId}/end`,
        body: {},
        intact: async () => (await callStatus(owner, callId)) === 'active',
      };
    },
  },
  'GET /api/admin/calls/:callId/participants': {
    expect: staff(200, 200),
    arrange: async (s) => ({ url: `/api/admin/calls/${await CALL_ID(s)}/participants` }),
  },
  'POST /api/admin/calls/:callId/kick/:userId': {
    expect: staff(200, 200),
    arrange: async (s) => {
      const [owner, guest] = await Promise.all([s.owner(), s.peer()]);
      const callId = await callWith(owner, guest);
      return { url: `/api/admin/calls/${callId}/kick/${guest.id}`, body: {} };
    },
  },
  'GET /api/admin/system/stats': { expect: staff(200, 200), arrange: async () => ({ url: '/api/admin/system/stats' }) },
  'GET /api/admin/system/logs': { expect: staff(200, 200), arrange: async () => ({ url: '/api/admin/system/logs' }) },
  'POST /api/admin/system/cleanup': {
    expect: staff(403, 200),
    arrange: async () => ({ url: '/api/admin/system/cleanup?dryRun=true', body: {} }),
  },
  'POST /api/admin/system/backup': {
    expect: staff(403, 201),
    arrange: async () => ({ url: '/api/admin/system/backup', body: {} }),
  },
  'GET /api/admin/system/health': {
    expect: staff(HEALTH, HEALTH),
    arrange: async () => ({ url: '/api/admin/system/health' }),
  },
};

/** The people of one row: the owner and peer are made once per row, fresh accounts per cell. */
function sceneFor(row: { freshCallers?: boolean }) {
  let owner: Promise<RegisteredUser> | undefined;
  let peer: Promise<RegisteredUser> | undefined;
  const made = new Map<string, Promise<unknown>>();
  return (role: Role): Scene => {
    const scene: Scene = {
      role,
      once: <T>(name: string, make: () => Promise<T>) => {
        if (!made.has(name)) made.set(name, make());
        return made.get(name) as Promise<T>;
      },
      owner: () => (owner ??= makeUser(t, { lastName: `Owner${Date.now().toString(36)}` })),
      peer: () => (peer ??= makeUser(t, { lastName: `Peer${Date.now().toString(36)}` })),
      fresh: () => makeUser(t),
      caller: async () => {
        if (role === 'anonymous') return undefined;
        if (role === 'owner') return scene.owner();
        if (!row.freshCallers || role === 'suspended') return shared[role];
        if (role === 'another user') return makeUser(t);
        return makeStaff(t, role);
      },
    };
    return scene;
  };
}

const restKeys = () => registeredRoutes(t).map((route) => `${route.method} ${route.path}`);

describe('REST', () => {
  it('has a row for every route the app registers, and the app registers every row', () => {
    const registered = restKeys();
    expect(registered.filter((key) => !(key in REST))).toEqual([]);
    expect(Object.keys(REST).filter((key) => !registered.includes(key))).toEqual([]);
  });

  describe.each(Object.entries(REST))('%s', (key, row) => {
    const expected = ROLES.map((role, i) => `${role} ${statusText(row.expect[i])}`);
    it(`answers ${expected.join(', ')}`, async () => {
      const [method] = key.split(' ') as [Target['method']];
      const scenes = sceneFor(row);
      const leaks: string[] = [];
      const touched: Role[] = [];
      const cell = async (role: Role): Promise<[Role, number]> => {
        const scene = scenes(role);
        const target = await row.arrange(scene);
        const caller = role === 'owner' ? (target.as ?? (await scene.owner())) : await scene.caller();
        const res: TestResponse = await send(target.method ?? method, target.url, caller, target.body);
        if (role === 'owner') return [role, res.status];
        if (target.secret && res.status < 300 && res.text.includes(target.secret)) leaks.push(role);
        // Whoever is refused leaves the owner's object as it was.
        const refused = refuses(row.expect[ROLES.indexOf(role)]);
        if (refused && target.intact && !(await target.intact())) touched.push(role);
        return [role, res.status];
      };
      const got = new Map([...(await Promise.all(OTHERS.map(cell))), await cell('owner')]);
      const seen = ROLES.map((role, i) => {
        const status = got.get(role)!;
        return `${role} ${accepts(row.expect[i], status) ? statusText(row.expect[i]) : status}`;
      });
      expect(seen).toEqual(expected);
      expect({ leakedTo: leaks, changedBy: touched }).toEqual({ leakedTo: [], changedBy: [] });
    });
  });
});

/** What a cell of a socket event gets: `ok`, the acknowledgement's error code, or the handshake's refusal. */
type Answer = string;
const REFUSED = 'handshake UNAUTHORIZED';
/** An event on a call: its people get through, nobody else (staff neither). */
const member = (owner: Answer, others: Answer): Cells<Answer> => [owner, others, others, others, REFUSED, REFUSED];

interface EventRow {
  expect: Cells<Answer>;
  /** Makes the cell's objects (the owner's setup through `socket`) and returns the event's payload. */
  arrange(scene: Scene, socket: ClientSocket): Promise<unknown>;
  /** How an acknowledgement reads in the table, when `ok` / the error code says too little. */
  read?: (answer: AckAnswer) => Answer;
}

/** The owner's cell joins the call's room first (the events that need it); the others cannot. */
async function inRoom(scene: Scene, socket: ClientSocket, callId: string): Promise<void> {
  if (scene.role !== 'owner') return;
  const joined = await emitWithAck<AckAnswer>(socket, 'join-room', { roomId: callId });
  if (!joined.success) throw new Error(`join-room failed: ${joined.errorCode}`);
}

const EVENTS: Record<string, EventRow> = {
  ping: { expect: member('ok', 'ok'), arrange: async () => ({ echo: 'matrix' }) },
  'join-room': {
    expect: member('ok', 'FORBIDDEN'),
    arrange: async (s) => ({ roomId: await CALL_ID(s) }),
  },
  'leave-room': {
    // Leaving acts on one's own socket only: a non-member leaves nothing.
    expect: member('left', 'not in the room'),
    read: (answer) => (answer.success ? (answer.data.left ? 'left' : 'not in the room') : String(answer.errorCode)),
    arrange: async (s, socket) => {
      const callId = await CALL_ID(s);
      await inRoom(s, socket, callId);
      return { roomId: callId };
    },
  },
  'toggle-audio': {
    expect: member('ok', 'FORBIDDEN'),
    arrange: async (s) => ({ roomId: await CALL_ID(s), isAudioEnabled: false }),
  },
  'toggle-video': {
    expect: member('ok', 'FORBIDDEN'),
    arrange: async (s) => ({ roomId: await CALL_ID(s), isVideoEnabled: false }),
  },
  'toggle-screen-share': {
    expect: member('ok', 'FORBIDDEN'),
    arrange: async (s) => ({ roomId: await CALL_ID(s), isScreenSharing: true }),
  },
  'send-message': {
    expect: member('ok', 'FORBIDDEN'),
    arrange: async (s) => ({ roomId: await CALL_ID(s), message: 'matrix' }),
  },
  'send-call-invitation': {
    expect: member('ok', 'FORBIDDEN'),
    arrange: async (s) => ({ targetUserId: (await s.peer()).id, callData: { callId: await CALL_ID(s) } }),
  },
  'call-response': {
    // The owner answers their own invitation (from the peer); nobody else has one.
    expect: member('ok', 'FORBIDDEN'),
    arrange: async (s) => {
      const [invitee, host] = await Promise.all([s.owner(), s.peer()]);
      const call = await makeCall(t, host, { inviteUserIds: [invitee.id] });
      return { targetUserId: host.id, callData: { callId: call.id }, response: 'declined' };
    },
  },
  'webrtc-signal': {
    // To the peer, in the owner's call room: only someone in that room may signal them.
    expect: member('ok', 'FORBIDDEN'),
    arrange: async (s, socket) => {
      const [owner, peer] = await Promise.all([s.owner(), s.peer()]);
      const callId = await callWith(owner, peer);
      // One socket of the peer for the whole row: a second connection would replace the first.
      const peerSocket = await s.once('peer socket', () => connectSocket(url, peer.token));
      const joined = await emitWithAck<AckAnswer>(peerSocket, 'join-room', { roomId: callId });
      if (!joined.success) throw new Error(`peer join-room failed: ${joined.errorCode}`);
      await inRoom(s, socket, callId);
      return { targetUserId: peer.id, signal: { sdp: 'v=0' }, type: 'offer' };
    },
  },
};

/** Events the server-side socket listens to, but not client events: Socket.IO's own. */
const RESERVED = new Set(['disconnect', 'disconnecting', 'error', 'newListener', 'removeListener']);

describe('socket events', () => {
  it('has a row for every client event a connected socket listens to, and every row is listened to', async () => {
    const socket = await connectSocket(url, shared['another user'].token);
    // An acknowledged event: the server has bound every handler of this socket by then.
    expect(await emitWithAck(socket, 'ping', {})).toMatchObject({ success: true });
    const serverSocket = t.app.get(ServerHandle).server.of('/').sockets.get(socket.id!);
    if (!serverSocket) throw new Error('the server has no socket of this id');
    const events = serverSocket.eventNames().map(String);
    expect(events.filter((name) => !RESERVED.has(name) && !(name in EVENTS))).toEqual([]);
    expect(Object.keys(EVENTS).filter((name) => !events.includes(name))).toEqual([]);
  });

  describe.each(Object.entries(EVENTS))('%s', (event, row) => {
    const expected = ROLES.map((role, i) => `${role} ${row.expect[i]}`);
    it(`answers ${expected.join(', ')}`, async () => {
      const scenes = sceneFor({});
      const cell = async (role: Role): Promise<[Role, Answer]> => {
        const scene = scenes(role);
        const caller = await scene.caller();
        let socket: ClientSocket;
        try {
          socket = await connectSocket(url, caller?.token);
        } catch (error) {
          return [role, `handshake ${(error as Error).message}`];
        }
        const payload = await row.arrange(scene, socket);
        const answer = await emitWithAck<AckAnswer>(socket, event, payload);
        socket.close();
        return [role, row.read?.(answer) ?? (answer.success ? 'ok' : String(answer.errorCode))];
      };
      const got = new Map([...(await Promise.all(OTHERS.map(cell))), await cell('owner')]);
      expect(ROLES.map((role) => `${role} ${got.get(role)}`)).toEqual(expected);
    });
  });

  it('refuses the handshake of anonymous and suspended callers', async () => {
    expect((await refusedConnection(url)).message).toBe('UNAUTHORIZED');
    expect((await refusedConnection(url, shared.suspended.token)).message).toBe('UNAUTHORIZED');
  });
});
