import { randomBytes } from 'node:crypto';
import { randomIp, TestApp } from '../support/app';
import { AccountChanges, UsersService } from '../../apps/api/src/modules/users';

export interface RegisteredUser {
  id: string;
  email: string;
  password: string;
  token: string;
  firstName: string;
  lastName: string;
}

let counter = 0;

/** Fields of a valid registration, unique per call. */
export function userFields(overrides: Record<string, unknown> = {}) {
  counter += 1;
  const tag = `${Date.now().toString(36)}${counter}${randomBytes(2).toString('hex')}`;
  return {
    firstName: 'Test',
    lastName: `User${counter}`,
    email: `user.${tag}@example.com`,
    password: 'SecurePass123',
    ...overrides,
  };
}

/** Registers a user through the API (from an address of its own, so the auth limit is never hit). */
export async function makeUser(t: TestApp, overrides: Record<string, unknown> = {}): Promise<RegisteredUser> {
  const fields = userFields(overrides);
  const res = await t.request({ method: 'POST', url: '/api/auth/register', body: fields, remoteAddress: randomIp() });
  if (res.status !== 201) throw new Error(`register failed: ${res.status} ${res.text}`);
  return {
    id: res.body.data.user.id,
    email: fields.email,
    password: fields.password,
    token: res.body.data.token,
    firstName: fields.firstName,
    lastName: fields.lastName,
  };
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/**
 * A moderator or admin: registered through the API, given the role by the same rule an admin's
 * change goes through (so the count of active admins stays right), then signed in again so the
 * token carries the role.
 */
export async function makeStaff(t: TestApp, role: 'moderator' | 'admin'): Promise<RegisteredUser> {
  const user = await makeUser(t, { firstName: role === 'admin' ? 'Admin' : 'Moderator' });
  const record = await t.app.get(UsersService).findById(user.id);
  if (!record) throw new Error(`user ${user.id} not found`);
  await t.app.get(AccountChanges).change(record, { role }, null);
  const res = await t.request({
    method: 'POST',
    url: '/api/auth/login',
    body: { email: user.email, password: user.password },
    remoteAddress: randomIp(),
  });
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${res.text}`);
  return { ...user, token: res.body.data.token };
}
