import { randomBytes } from 'node:crypto';
import { Types } from 'mongoose';
import { bearer, makeStaff, makeUser, RegisteredUser } from '../factories/users';
import { randomIp, useTestApp } from '../support/app';
import { registeredRoutes } from '../support/routes';

/**
 * Who may call each admin route (issue "Admin", point 1): every `/api/admin` route answers 401
 * without a token and 403 to a `user`; moderators may read everything, end calls, kick
 * participants and suspend or activate users; only admins delete users and run cleanup and backup.
 * The routes are read from the running app, so an admin route without a row here fails, and so
 * does a row without its route.
 */
const ACCESS: Record<string, 'moderator' | 'admin'> = {
  'GET /api/admin/dashboard': 'moderator',
  'GET /api/admin/analytics': 'moderator',
  'GET /api/admin/analytics/calls': 'moderator',
  'GET /api/admin/analytics/users': 'moderator',
  'GET /api/admin/users': 'moderator',
  'GET /api/admin/users/:userId': 'moderator',
  'PUT /api/admin/users/:userId': 'moderator',
  'DELETE /api/admin/users/:userId': 'admin',
  'POST /api/admin/users/:userId/suspend': 'moderator',
  'POST /api/admin/users/:userId/activate': 'moderator',
  'GET /api/admin/calls': 'moderator',
  'GET /api/admin/calls/:callId': 'moderator',
  'POST /api/admin/calls/:callId/end': 'moderator',
  'GET /api/admin/calls/:callId/participants': 'moderator',
  'POST /api/admin/calls/:callId/kick/:userId': 'moderator',
  'GET /api/admin/system/stats': 'moderator',
  'GET /api/admin/system/logs': 'moderator',
  'POST /api/admin/system/cleanup': 'admin',
  'POST /api/admin/system/backup': 'admin',
  'GET /api/admin/system/health': 'moderator',
};

/** Harmless inputs for the allowed callers: unknown ids (404), a dry-run cleanup. */
const QUERY: Record<string, string> = { 'POST /api/admin/system/cleanup': '?dryRun=true' };

const t = useTestApp();
const people: Record<'user' | 'moderator' | 'admin', RegisteredUser> = {} as never;

beforeAll(async () => {
  [people.user, people.moderator, people.admin] = await Promise.all([
    makeUser(t),
    makeStaff(t, 'moderator'),
    makeStaff(t, 'admin'),
  ]);
});

function urlOf(key: string): { method: 'GET' | 'POST' | 'PUT' | 'DELETE'; url: string } {
  const [method, path] = key.split(' ');
  const url = path
    .replace(':userId', new Types.ObjectId().toHexString())
    .replace(':callId', randomBytes(16).toString('base64url'));
  return { method: method as 'GET' | 'POST' | 'PUT' | 'DELETE', url: url + (QUERY[key] ?? '') };
}

const adminRoutes = () =>
  registeredRoutes(t)
    .filter((route) => route.path.startsWith('/api/admin'))
    .map((route) => `${route.method} ${route.path}`);

it('has a row for every admin route the app registers, and the app registers every row', () => {
  const registered = adminRoutes();
  expect(registered.filter((key) => !(key in ACCESS))).toEqual([]);
  expect(Object.keys(ACCESS).filter((key) => !registered.includes(key))).toEqual([]);
});

describe.each(Object.entries(ACCESS))('%s (for %ss)', (key, access) => {
  it('refuses anonymous callers (401) and users (403); lets the allowed roles through', async () => {
    const { method, url } = urlOf(key);
    const body = method === 'POST' || method === 'PUT' ? {} : undefined;
    const call = (token?: string) =>
      t.request({ method, url, body, headers: token ? bearer(token) : {}, remoteAddress: randomIp() });

    expect((await call()).status).toBe(401);
    const asUser = await call(people.user.token);
    expect(asUser.status).toBe(403);
    expect(asUser.body.errorCode).toBe('FORBIDDEN');
    const asModerator = await call(people.moderator.token);
    if (access === 'admin') expect(asModerator.status).toBe(403);
    else expect([401, 403]).not.toContain(asModerator.status);
    expect([401, 403]).not.toContain((await call(people.admin.token)).status);
  });
});
