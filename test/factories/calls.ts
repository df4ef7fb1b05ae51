import { bearer, makeUser, RegisteredUser } from './users';
import { TestApp, TestResponse } from '../support/app';
import { ClientSocket, connectSocket, emitWithAck } from '../support/sockets';

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

/** A call as `GET /api/calls/:id` shows it, the fields the tests read. */
export interface CallDetails {
  status: string;
  endReason: string | null;
  host: { id: string };
  joinedCount: number;
  participants: { user: { id: string }; role: string; state: string }[];
}

/** The call as `viewer` sees it (which must be allowed: 200). */
export async function callDetails(t: TestApp, viewer: RegisteredUser, callId: string): Promise<CallDetails> {
  const res = await getCall(t, viewer, callId);
  expect(res.status).toBe(200);
  return (res.body as { data: { call: CallDetails } }).data.call;
}

export const participantOf = (call: CallDetails, userId: string) => call.participants.find((p) => p.user.id === userId);
export const stateOf = (call: CallDetails, userId: string) => participantOf(call, userId)?.state;
export const roleOf = (call: CallDetails, userId: string) => participantOf(call, userId)?.role;

export interface CallWithGuest {
  call: TestResponse['body'];
  hostUser: RegisteredUser;
  guestUser: RegisteredUser;
  host: ClientSocket;
  guest: ClientSocket;
}

/**
 * A call of a new host with a new guest invited and joined over REST, both connected (the host to
 * `hostUrl`, the guest to `guestUrl`) and both in the call's room (join-room, host first).
 */
export async function callWithGuestInRoom(t: TestApp, hostUrl: string, guestUrl = hostUrl): Promise<CallWithGuest> {
  const [hostUser, guestUser] = await Promise.all([makeUser(t), makeUser(t)]);
  const call = await makeCall(t, hostUser, { inviteUserIds: [guestUser.id] });
  const joined = await callAction(t, guestUser, call.id as string, 'join');
  if (joined.status !== 200) throw new Error(`join failed: ${joined.status} ${joined.text}`);
  const host = await connectSocket(hostUrl, hostUser.token);
  const guest = await connectSocket(guestUrl, guestUser.token);
  for (const socket of [host, guest]) {
    const answer = await emitWithAck(socket, 'join-room', { roomId: call.id });
    if (!(answer as { success?: boolean }).success) throw new Error(`join-room failed: ${JSON.stringify(answer)}`);
  }
  return { call, hostUser, guestUser, host, guest };
}
