import { bearer, RegisteredUser } from './users';
import { TestApp, TestResponse } from '../support/app';

/** Creates a call through the API as `host` (an active group video call unless overridden); returns `data.call`. */
export async function makeCall(
  t: TestApp,
  host: RegisteredUser,
  overrides: Record<string, unknown> = {},
): Promise<TestResponse['body']> {
  const res = await t.request({
    method: 'POST',
    url: '/api/calls',
    headers: bearer(host.token),
    body: { callType: 'video', callMode: 'group', title: 'Test call', ...overrides },
  });
  if (res.status !== 201) throw new Error(`create call failed: ${res.status} ${res.text}`);
  return res.body.data.call;
}

/** A call action as `user`: POST /api/calls/:id/<action>. */
export function callAction(t: TestApp, user: RegisteredUser, callId: string, action: string, body: unknown = {}) {
  return t.request({ method: 'POST', url: `/api/calls/${callId}/${action}`, headers: bearer(user.token), body });
}

export function getCall(t: TestApp, user: RegisteredUser, path: string) {
  return t.request({ url: `/api/calls/${path}`, headers: bearer(user.token) });
}
