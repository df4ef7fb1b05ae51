import { AsyncLocalStorage } from 'node:async_hooks';
import { Namespace } from 'socket.io';
import { SocketData } from '../realtime.protocol';

/** The private hooks of Socket.IO 4.8 this relies on (namespace.js `_createSocket`, the adapter's `restoreSession`). */
interface RestoringNamespace {
  _createSocket(client: unknown, auth: Record<string, unknown>): Promise<unknown>;
  adapter: { restoreSession(pid: string, offset: string): Promise<{ data?: Partial<SocketData> } | null> };
}

/**
 * Socket.IO restores a dropped socket (its rooms, and it writes the events it missed to the
 * wire) before the namespace middleware runs, so the handshake's token and account checks would
 * come after the missed events were already sent. Here a recovery is attempted only when the
 * client's token passes those checks first, and only into a session of that same user; otherwise
 * the client connects afresh, and the handshake refuses or accepts it as any other.
 *
 * Covered by test/e2e/realtime-recovery.e2e-spec.ts, which fails if Socket.IO changes these hooks.
 */
export function checkBeforeRecovery(namespace: Namespace, authenticate: (token: unknown) => Promise<SocketData>): void {
  const target = namespace as unknown as RestoringNamespace;
  const expectedUser = new AsyncLocalStorage<string>();
  const restoreSession = target.adapter.restoreSession.bind(target.adapter);
  target.adapter.restoreSession = async (pid, offset) => {
    const userId = expectedUser.getStore();
    const session = userId === undefined ? null : await restoreSession(pid, offset);
    return session?.data?.user?.id === userId ? session : null;
  };
  const createSocket = target._createSocket.bind(namespace);
  target._createSocket = async (client, auth) => {
    if (typeof auth.pid !== 'string') return createSocket(client, auth);
    const data = await authenticate(auth.token).catch(() => undefined);
    if (!data) return createSocket(client, withoutSession(auth));
    return expectedUser.run(data.user.id, () => createSocket(client, auth));
  };
}

function withoutSession(auth: Record<string, unknown>): Record<string, unknown> {
  const { pid: _pid, offset: _offset, ...rest } = auth;
  return rest;
}
