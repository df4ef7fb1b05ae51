import { AddressInfo } from 'node:net';
import { io, ManagerOptions, Socket, SocketOptions } from 'socket.io-client';
import { TestApp } from './app';

export type ClientSocket = Socket;

/** A refused handshake as the client sees it: `message` is the error code, `data` the details. */
export interface ConnectError extends Error {
  data?: { errorCode: string; message: string };
}

const WAIT_MS = 5000;
const open = new Set<ClientSocket>();
/** Every event each socket received since it was created (`disconnect` included), in order. */
const history = new WeakMap<ClientSocket, { event: string; payload: unknown }[]>();

/**
 * Starts the test app listening on a free port of 127.0.0.1 (the app's inject-based requests keep
 * working) and returns its base URL for socket.io-client.
 */
export async function listenForSockets(t: TestApp): Promise<string> {
  await t.app.listen(0, '127.0.0.1');
  const address = t.app.getHttpServer().address() as AddressInfo;
  return `http://127.0.0.1:${address.port}`;
}

/**
 * Connects as a client app does (`auth: { token }`), over WebSocket only, without reconnecting.
 * Resolves on `connect`, rejects with the `connect_error`.
 */
export function connectSocket(
  url: string,
  token?: string,
  options: Partial<ManagerOptions & SocketOptions> = {},
): Promise<ClientSocket> {
  const socket = io(url, {
    auth: token === undefined ? {} : { token },
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    timeout: WAIT_MS,
    ...options,
  });
  open.add(socket);
  const received: { event: string; payload: unknown }[] = [];
  history.set(socket, received);
  socket.onAny((event: string, payload: unknown) => received.push({ event, payload }));
  socket.on('disconnect', (reason) => received.push({ event: 'disconnect', payload: reason }));
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (error: ConnectError) => {
      socket.close();
      reject(error);
    });
  });
}

/** The `connect_error` of a handshake expected to fail (fails the test if it connects). */
export async function refusedConnection(
  url: string,
  token?: string,
  options: Partial<ManagerOptions & SocketOptions> = {},
): Promise<ConnectError> {
  try {
    const socket = await connectSocket(url, token, options);
    socket.close();
  } catch (error) {
    return error as ConnectError;
  }
  throw new Error('the handshake was accepted');
}

/** The next `name` event's first argument, or a rejection after a few seconds. */
export function nextEvent<T = unknown>(socket: ClientSocket, name: string, timeoutMs = WAIT_MS): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.off(name, listener);
      reject(new Error(`no ${name} event within ${timeoutMs} ms`));
    }, timeoutMs);
    const listener = (payload: T) => {
      clearTimeout(timer);
      resolve(payload);
    };
    socket.once(name, listener);
  });
}

/**
 * The first `name` event the socket received since it was created, already or from now on: for
 * events that may arrive together with the connection itself.
 */
export function firstEvent<T = unknown>(socket: ClientSocket, name: string, timeoutMs = WAIT_MS): Promise<T> {
  const seen = history.get(socket)?.find((entry) => entry.event === name);
  return seen ? Promise.resolve(seen.payload as T) : nextEvent<T>(socket, name, timeoutMs);
}

/** Emits an event with an acknowledgement and resolves with the server's answer. */
/** The acknowledgement every client event answers: `{ success: true, data }` or the error's code, message and fields. */
export interface AckAnswer<T = Record<string, unknown>> {
  success: boolean;
  data: T;
  errorCode?: string;
  message?: string;
  errors?: { field: string; message: string }[];
}

export function emitWithAck<T = unknown>(socket: ClientSocket, event: string, ...args: unknown[]): Promise<T> {
  return socket.timeout(WAIT_MS).emitWithAck(event, ...args) as Promise<T>;
}

/** Closes every socket the helpers opened (call in afterEach). */
export function closeSockets(): void {
  for (const socket of open) socket.close();
  open.clear();
}
