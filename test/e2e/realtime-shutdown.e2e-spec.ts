import { makeUser } from '../factories/users';
import { startTestApp } from '../support/app';
import { closeSockets, connectSocket, listenForSockets, nextEvent } from '../support/sockets';

/** Closing the app (SIGTERM) drops its sockets without a disconnect packet, so clients reconnect elsewhere. */
describe('realtime on shutdown', () => {
  afterEach(() => closeSockets());

  it('closes connected sockets as a transport close, and the app still closes', async () => {
    const t = await startTestApp();
    let closed = false;
    try {
      const url = await listenForSockets(t);
      const user = await makeUser(t);
      const socket = await connectSocket(url, user.token);
      const dropped = nextEvent<string>(socket, 'disconnect');
      await t.close();
      closed = true;
      // Not "io server disconnect", after which Socket.IO clients would not reconnect by themselves.
      expect(await dropped).toBe('transport close');
    } finally {
      if (!closed) await t.close();
    }
  });
});
