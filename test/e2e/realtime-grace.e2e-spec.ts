import { callDetails as details, callWithGuestInRoom, stateOf } from '../factories/calls';
import { RegisteredUser } from '../factories/users';
import { useTestApp } from '../support/app';
import {
  ClientSocket,
  closeSockets,
  connectSocket,
  emitWithAck,
  listenForSockets,
  nextEvent,
} from '../support/sockets';
import { eventually } from '../support/eventually';

/**
 * The reconnect grace: a participant whose socket drops out of a call room is marked left in the
 * call after CALL_RECONNECT_GRACE unless they are back in the room by then; the calls rules then
 * apply (host hand-over, `all-left`). A small grace here, so the sweep acts within the test.
 */
const GRACE_S = 2;
const t = useTestApp({ env: { CALL_RECONNECT_GRACE: String(GRACE_S), SOCKET_RECOVERY_WINDOW: '1' } });
let url: string;

beforeAll(async () => {
  url = await listenForSockets(t);
});
afterEach(() => closeSockets());

/** A call with the host and a guest joined (REST) and in its room (sockets). */
async function callInRoom(): Promise<{
  callId: string;
  hostUser: RegisteredUser;
  guestUser: RegisteredUser;
  host: ClientSocket;
  guest: ClientSocket;
}> {
  const { call, hostUser, guestUser, host, guest } = await callWithGuestInRoom(t, url);
  return { callId: call.id, hostUser, guestUser, host, guest };
}

describe('reconnect grace', () => {
  it('marks a disconnected participant left after the grace: the room hears user-left, REST shows left', async () => {
    const { callId, hostUser, guestUser, host, guest } = await callInRoom();
    const leftRoom = nextEvent(host, 'user-left');
    guest.close();
    expect(await leftRoom).toMatchObject({ userId: guestUser.id, roomId: callId });
    expect(stateOf(await details(t, hostUser, callId), guestUser.id)).toBe('joined');

    await eventually(async () => stateOf(await details(t, hostUser, callId), guestUser.id) === 'left', GRACE_S * 4000);
    const call = await details(t, hostUser, callId);
    expect(call.status).toBe('active');
    expect(stateOf(call, hostUser.id)).toBe('joined');
  });

  it('hands the host role over when the disconnected host does not come back', async () => {
    const { callId, hostUser, guestUser, host, guest } = await callInRoom();
    const changed = nextEvent(guest, 'host-changed', GRACE_S * 1000 * 4);
    host.close();

    expect(await changed).toMatchObject({ roomId: callId, newHostId: guestUser.id, previousHostId: hostUser.id });
    const call = await details(t, guestUser, callId);
    expect(stateOf(call, hostUser.id)).toBe('left');
    expect(call.participants.find((p) => p.user.id === guestUser.id)?.role).toBe('host');
  });

  it('ends the call (all-left) when every participant dropped and none came back', async () => {
    const { callId, hostUser, host, guest } = await callInRoom();
    host.close();
    guest.close();

    await eventually(async () => (await details(t, hostUser, callId)).status === 'ended', GRACE_S * 4000);
    expect(await details(t, hostUser, callId)).toMatchObject({ status: 'ended', endReason: 'all-left' });
  });

  it('keeps a participant who rejoins the room within the grace', async () => {
    const { callId, hostUser, guestUser, host, guest } = await callInRoom();
    const leftRoom = nextEvent(host, 'user-left');
    guest.close();
    await leftRoom;
    const back = await connectSocket(url, guestUser.token);
    expect(await emitWithAck(back, 'join-room', { roomId: callId })).toMatchObject({ success: true });

    // Twice the grace: the sweep (every half second with this grace) has passed the absence several times.
    await new Promise((resolve) => setTimeout(resolve, GRACE_S * 1000 * 2));
    const call = await details(t, hostUser, callId);
    expect(stateOf(call, guestUser.id)).toBe('joined');
    expect(call.status).toBe('active');
  });
});
