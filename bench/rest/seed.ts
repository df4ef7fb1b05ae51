/**
 * Seeds the product through its own API, so every document is shaped by the product and every
 * token is one it issued: the user whose requests are measured, a partner, ended calls in the
 * user's history (hosted, and joined as a guest), active calls (hosted, joined, and one with a
 * pending invitation), and the login storm's users. Registration runs bcrypt (cost 12) once per
 * user, so the storm's users are few (the embedded database also scans `users` by email).
 */
import { randomBytes } from 'node:crypto';

export const PASSWORD = 'BenchPass123';

export interface SeededUser {
  id: string;
  email: string;
  token: string;
}

export interface Seeded {
  /** The user whose profile, active calls and history are measured. */
  user: SeededUser;
  /** How many ended and active calls that user's lists hold. */
  ended: number;
  active: number;
  stormUsers: SeededUser[];
}

interface Envelope {
  success: boolean;
  data: Record<string, unknown> & { token?: string; user?: { id: string }; call?: { id: string } };
}

async function call(base: string, method: string, path: string, body?: unknown, token?: string): Promise<Envelope> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(body !== undefined && { 'content-type': 'application/json' }),
      ...(token && { authorization: `Bearer ${token}` }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 300)}`);
  return JSON.parse(text) as Envelope;
}

async function register(base: string, name: string): Promise<SeededUser> {
  const email = `bench.${name}.${randomBytes(4).toString('hex')}@example.com`;
  const res = await call(base, 'POST', '/api/auth/register', {
    firstName: 'Bench',
    lastName: name,
    email,
    password: PASSWORD,
  });
  return { id: res.data.user?.id ?? '', email, token: res.data.token ?? '' };
}

/** An active group video call hosted by `host`, inviting `invitees`; its id. */
async function createCall(base: string, host: SeededUser, invitees: SeededUser[], title: string): Promise<string> {
  const body = { callType: 'video', callMode: 'group', title, inviteUserIds: invitees.map((u) => u.id) };
  const res = await call(base, 'POST', '/api/calls', body, host.token);
  return res.data.call?.id ?? '';
}

const action = (base: string, user: SeededUser, callId: string, what: string) =>
  call(base, 'POST', `/api/calls/${callId}/${what}`, {}, user.token);

export async function seed(
  base: string,
  hostedEnded: number,
  joinedEnded: number,
  stormUsers: number,
): Promise<Seeded> {
  const user = await register(base, 'user');
  const partner = await register(base, 'partner');
  // History: calls the user hosted (the partner joined) and calls the user joined as a guest.
  for (let i = 0; i < hostedEnded; i += 1) {
    const id = await createCall(base, user, [partner], `Hosted ${i}`);
    await action(base, partner, id, 'join');
    await action(base, user, id, 'end');
  }
  for (let i = 0; i < joinedEnded; i += 1) {
    const id = await createCall(base, partner, [user], `Joined ${i}`);
    await action(base, user, id, 'join');
    await action(base, partner, id, 'end');
  }
  // Active: two hosted (one the partner joined), one joined as a guest, one pending invitation.
  const hosted = await createCall(base, user, [partner], 'Active hosted');
  await action(base, partner, hosted, 'join');
  await createCall(base, user, [], 'Active hosted alone');
  const joined = await createCall(base, partner, [user], 'Active joined');
  await action(base, user, joined, 'join');
  await createCall(base, partner, [user], 'Active invited');

  const storm: SeededUser[] = [];
  // A few at a time: each registration is one bcrypt hash on the server's thread pool.
  for (let i = 0; i < stormUsers; i += 5) {
    const count = Math.min(5, stormUsers - i);
    storm.push(...(await Promise.all(Array.from({ length: count }, (_, k) => register(base, `storm${i + k}`)))));
  }
  return { user, ended: hostedEnded + joinedEnded, active: 4, stormUsers: storm };
}
