import { callAction, makeCall } from '../factories/calls';
import { makeUser, RegisteredUser } from '../factories/users';
import { useTestApp } from '../support/app';
import { closeSockets, connectSocket, emitWithAck, listenForSockets, nextEvent } from '../support/sockets';

/** Invitations over sockets: send-call-invitation, call-response, and the same events from REST. */

const t = useTestApp();
let url: string;

beforeAll(async () => {
  url = await listenForSockets(t);
});
afterEach(() => closeSockets());

interface Ack {
  success: boolean;
  data?: Record<string, unknown>;
  errorCode?: string;
  errors?: { field: string }[];
}
interface CallInvitation {
  from: string;
  callData: { callId: string; id: string; title: string; host: { id: string } };
  timestamp: string;
}
interface CallResponse {
  from: string;
  response: string;
  callData: { callId: string; id: string };
  timestamp: string;
}

const connect = (user: RegisteredUser) => connectSocket(url, user.token);

describe('send-call-invitation', () => {
  it('by a participant: the target receives call-invitation with the server’s view of the call', async () => {
    const [host, guest, target] = await Promise.all([makeUser(t), makeUser(t), makeUser(t)]);
    const call = await makeCall(t, host, { title: 'Weekly sync' });
    expect((await callAction(t, guest, call.id, 'join')).status).toBe(200);
    const [guestSocket, targetSocket] = await Promise.all([connect(guest), connect(target)]);

    const invited = nextEvent<CallInvitation>(targetSocket, 'call-invitation');
    const ack = await emitWithAck<Ack>(guestSocket, 'send-call-invitation', {
      targetUserId: target.id,
      callData: { callId: call.id, title: 'what the client says is ignored' },
    });
    expect(ack).toMatchObject({ success: true, data: { skipped: [] } });
    expect(await invited).toMatchObject({
      from: guest.id,
      callData: { callId: call.id, id: call.id, title: 'Weekly sync', host: { id: host.id } },
      timestamp: expect.stringMatching(/Z$/),
    });
  });

  it('by someone not in the call is refused FORBIDDEN, and the target hears nothing', async () => {
    const [host, outsider, target] = await Promise.all([makeUser(t), makeUser(t), makeUser(t)]);
    const call = await makeCall(t, host);
    const [outsiderSocket, targetSocket] = await Promise.all([connect(outsider), connect(target)]);
    const heard: unknown[] = [];
    targetSocket.on('call-invitation', (payload: unknown) => heard.push(payload));

    const ack = await emitWithAck<Ack>(outsiderSocket, 'send-call-invitation', {
      targetUserId: target.id,
      callData: { callId: call.id },
    });
    expect(ack).toMatchObject({ success: false, errorCode: 'FORBIDDEN' });
    // A later invitation by the host is the first the target hears of this call.
    const invited = nextEvent<CallInvitation>(targetSocket, 'call-invitation');
    await callAction(t, host, call.id, 'invite', { userIds: [target.id] });
    expect((await invited).from).toBe(host.id);
    expect(heard).toHaveLength(1);
  });

  it('refuses a payload without a call id or with a malformed target (BAD_REQUEST naming the field)', async () => {
    const user = await makeUser(t);
    const socket = await connect(user);
    const noCall = await emitWithAck<Ack>(socket, 'send-call-invitation', { targetUserId: user.id, callData: {} });
    expect(noCall).toMatchObject({ success: false, errorCode: 'BAD_REQUEST', errors: [{ field: 'callData.callId' }] });
    const badTarget = await emitWithAck<Ack>(socket, 'send-call-invitation', { targetUserId: 'x', callData: {} });
    expect(badTarget).toMatchObject({ success: false, errorCode: 'BAD_REQUEST', errors: [{ field: 'targetUserId' }] });
  });
});

describe('call-response', () => {
  it('reaches the inviter and the host when a participant invited', async () => {
    const [host, guest, target] = await Promise.all([makeUser(t), makeUser(t), makeUser(t)]);
    const call = await makeCall(t, host);
    await callAction(t, guest, call.id, 'join');
    const [hostSocket, guestSocket, targetSocket] = await Promise.all([connect(host), connect(guest), connect(target)]);
    const invited = nextEvent<CallInvitation>(targetSocket, 'call-invitation');
    await emitWithAck(guestSocket, 'send-call-invitation', { targetUserId: target.id, callData: { callId: call.id } });
    const invitation = await invited;

    const toGuest = nextEvent<CallResponse>(guestSocket, 'call-response');
    const toHost = nextEvent<CallResponse>(hostSocket, 'call-response');
    // As the specification's client does: answer to `from`, sending back the callData it got.
    const ack = await emitWithAck<Ack>(targetSocket, 'call-response', {
      targetUserId: invitation.from,
      response: 'accepted',
      callData: invitation.callData,
    });
    expect(ack).toMatchObject({ success: true, data: { invitation: { status: 'accepted' } } });
    for (const event of [await toGuest, await toHost]) {
      expect(event).toMatchObject({ from: target.id, response: 'accepted', callData: { callId: call.id } });
    }
  });

  it('refuses a targetUserId that is not whoever invited this user, and leaves the invitation pending', async () => {
    const [host, target, someone] = await Promise.all([makeUser(t), makeUser(t), makeUser(t)]);
    const call = await makeCall(t, host, { inviteUserIds: [target.id] });
    const targetSocket = await connect(target);
    const ack = await emitWithAck<Ack>(targetSocket, 'call-response', {
      targetUserId: someone.id,
      response: 'declined',
      callData: { callId: call.id },
    });
    expect(ack).toMatchObject({ success: false, errorCode: 'BAD_REQUEST', errors: [{ field: 'targetUserId' }] });
    const again = await emitWithAck<Ack>(targetSocket, 'call-response', {
      targetUserId: host.id,
      response: 'declined',
      callData: { callId: call.id },
    });
    expect(again).toMatchObject({ success: true, data: { invitation: { status: 'declined' } } });
  });
});

describe('REST invitations and answers', () => {
  it('produce the same call-invitation and call-response events', async () => {
    const [host, target] = await Promise.all([makeUser(t), makeUser(t)]);
    const call = await makeCall(t, host);
    const [hostSocket, targetSocket] = await Promise.all([connect(host), connect(target)]);

    const invited = nextEvent<CallInvitation>(targetSocket, 'call-invitation');
    expect((await callAction(t, host, call.id, 'invite', { userIds: [target.id] })).status).toBe(200);
    expect(await invited).toMatchObject({ from: host.id, callData: { callId: call.id, id: call.id } });

    const answered = nextEvent<CallResponse>(hostSocket, 'call-response');
    expect((await callAction(t, target, call.id, 'respond', { response: 'declined' })).status).toBe(200);
    expect(await answered).toMatchObject({ from: target.id, response: 'declined', callData: { callId: call.id } });
  });

  it('invitees named when the call is created receive call-invitation', async () => {
    const [host, target] = await Promise.all([makeUser(t), makeUser(t)]);
    const targetSocket = await connect(target);
    const invited = nextEvent<CallInvitation>(targetSocket, 'call-invitation');
    const call = await makeCall(t, host, { inviteUserIds: [target.id] });
    expect(await invited).toMatchObject({ from: host.id, callData: { callId: call.id, host: { id: host.id } } });
  });
});
