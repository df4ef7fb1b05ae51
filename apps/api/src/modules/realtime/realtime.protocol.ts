import { AuthUser, ErrorCode, FieldError } from '@app/common';
import type { Socket } from 'socket.io';

/**
 * The Socket.IO protocol as far as it is built: what every acknowledgement looks like, the server
 * events that end a session, and what the gateway keeps on each socket. docs/realtime.md is the
 * client's view of the same.
 */

/** The answer to every client event that carries an acknowledgement callback. */
export type Ack<T = unknown> = AckSuccess<T> | AckError;

export interface AckSuccess<T> {
  success: true;
  data: T;
}

/** Also the payload of the `error` event, for an event sent without an acknowledgement. */
export interface AckError {
  success: false;
  errorCode: ErrorCode;
  message: string;
  /** Field errors of a payload that failed validation, as in the REST error envelope. */
  errors: FieldError[];
}

/** Why the server closed a session; sent as `session-ended` just before the disconnect. */
export type SessionEndReason =
  | 'logout'
  | 'password-changed'
  | 'password-reset'
  | 'account-suspended'
  | 'account-deleted'
  | 'token-expired'
  | 'rate-limited';

export interface SessionEnded {
  reason: SessionEndReason;
  message: string;
  timestamp: string;
}

export interface SessionReplaced {
  reason: 'session-replaced';
  message: string;
  timestamp: string;
}

/** Server → client events of this part of the gateway. */
export interface ServerToClientEvents {
  'session-ended': (payload: SessionEnded) => void;
  'session-replaced': (payload: SessionReplaced) => void;
  error: (payload: AckError) => void;
}

/** Client events are declared by the gateway's handlers; the adapter types their payloads. */
export type ClientToServerEvents = Record<string, (...args: unknown[]) => void>;

/**
 * What the handshake established, kept on the socket: the user the global guards and
 * `@CurrentUser()` read (`authUserOf`), and the token version, so a password change closes the
 * sockets opened with older tokens. Plain data only: the Redis adapter serialises it.
 */
export interface SocketData {
  user: AuthUser;
  tokenVersion: number;
}

export type AppSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

/** The room every socket of one user joins: the one-connection rule and per-user events address it. */
export const userRoom = (userId: string): string => `user:${userId}`;
