import { Inject, Injectable } from '@nestjs/common';
import { AppException, ErrorCode, InputValidationPipe, prototypeKeyPath } from '@app/common';
import { Logger } from 'pino';
import { Server } from 'socket.io';
import { APP_CONFIG, AppConfig } from '../../../core/config/app-config';
import { LOGGER } from '../../../core/core.module';
import { RealtimeMetrics } from '../metrics/realtime-metrics';
import { AckSuccess, AppSocket, userRoom } from '../realtime.protocol';
import { answerError, toAckError } from '../realtime-errors';
import { MAX_SIGNAL_BYTES, SIGNAL_TYPES, SignalType, WebrtcSignalDto } from './dto/rooms.dto';
import { RoomMembership } from './room-membership';
import { SIGNAL_EVENT, WebrtcSignal } from './rooms.protocol';

const DELIVERED: AckSuccess<{ delivered: true }> = Object.freeze({
  success: true,
  data: Object.freeze({ delivered: true as const }),
});
const SIGNAL_KEYS = new Set(['targetUserId', 'signal', 'type']);
const SIGNAL_TYPE_SET: ReadonlySet<string> = new Set(SIGNAL_TYPES);
const USER_ID = /^[0-9a-f]{24}$/i;

/**
 * A `webrtc-signal` body that WebrtcSignalDto's rules certainly accept: a plain object with only
 * the three fields, a user id, a defined signal without prototype keys and a known type. Sound,
 * not complete: what it does not recognise goes through the DTO's own validation (the pipe of
 * every input, which also refuses prototype keys), which accepts it or says why not
 * (signal-relay.spec.ts checks that every body accepted here passes the DTO as well).
 */
export function isPlainSignal(body: unknown): body is WebrtcSignalDto {
  if (typeof body !== 'object' || body === null || Object.getPrototypeOf(body) !== Object.prototype) return false;
  let keys = 0;
  for (const key in body) {
    if (!Object.hasOwn(body, key) || !SIGNAL_KEYS.has(key)) return false;
    keys += 1;
  }
  const { targetUserId, signal, type } = body as Record<string, unknown>;
  return (
    keys === 3 &&
    typeof targetUserId === 'string' &&
    USER_ID.test(targetUserId) &&
    signal !== undefined &&
    signal !== null &&
    typeof type === 'string' &&
    SIGNAL_TYPE_SET.has(type) &&
    prototypeKeyPath(signal) === undefined
  );
}

/**
 * The hot path: relays WebRTC signals between users in the same call room. It is bound straight
 * to each socket (not through Nest's handler pipeline), so a signal costs what Socket.IO costs plus
 * a few map lookups: the socket passed its handshake and passes the event budget middleware before
 * any listener (what the guards would check for it), the body is checked against the DTO's rules
 * (the full class-validator pass only for a body the quick check does not recognise), and the
 * room is authorized from RoomMembership, with no database read.
 */
@Injectable()
export class SignalRelay {
  private server?: Server;
  /** The pipe every other input goes through (prototype keys refused, as on REST). */
  private readonly validation = new InputValidationPipe();
  private readonly log: Logger;
  /** The listener every socket shares: Socket.IO calls it with the socket as `this`. */
  readonly listener: (this: AppSocket, ...args: unknown[]) => void;

  constructor(
    private readonly membership: RoomMembership,
    private readonly metrics: RealtimeMetrics,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ context: 'RoomsGateway' });
    const receive = this.receive.bind(this);
    this.listener = function (this: AppSocket, ...args: unknown[]) {
      const ack = typeof args.at(-1) === 'function' ? (args.pop() as (answer: unknown) => void) : undefined;
      receive(this, args.length === 1 ? args[0] : args, ack);
    };
  }

  attachServer(server: Server): void {
    this.server = server;
  }

  private receive(socket: AppSocket, body: unknown, ack: ((answer: unknown) => void) | undefined): void {
    const started = performance.now();
    if (isPlainSignal(body)) {
      this.relay(socket, body, ack, started);
      return;
    }
    this.validation.transform(body, { type: 'body', metatype: WebrtcSignalDto }).then(
      (dto) => this.relay(socket, dto as WebrtcSignalDto, ack, started),
      (error: unknown) => this.refuse(socket, error, ack),
    );
  }

  private relay(
    socket: AppSocket,
    body: { targetUserId: string; signal: unknown; type: SignalType },
    ack: ((answer: unknown) => void) | undefined,
    started: number,
  ): void {
    try {
      const from = socket.data.user.id;
      if (!fitsInJson(body.signal, MAX_SIGNAL_BYTES)) {
        const message = `signal must be at most ${MAX_SIGNAL_BYTES} bytes`;
        throw new AppException(ErrorCode.PAYLOAD_TOO_LARGE, message, [{ field: 'signal', message }]);
      }
      const roomId = this.membership.sharedCall(from, body.targetUserId);
      if (!roomId) {
        throw new AppException(ErrorCode.FORBIDDEN, 'You can signal only users in a call room you are in (join-room)');
      }
      const payload: WebrtcSignal = {
        from,
        signal: body.signal,
        type: body.type,
        roomId,
        timestamp: new Date().toISOString(),
      };
      this.requireServer().to(userRoom(body.targetUserId)).emit(SIGNAL_EVENT, payload);
      this.metrics.observeRelay((performance.now() - started) / 1000);
      ack?.(DELIVERED);
    } catch (error) {
      this.refuse(socket, error, ack);
    }
  }

  private refuse(socket: AppSocket, error: unknown, ack: unknown): void {
    answerError(socket, toAckError(error, this.log, this.config.bodyLimit), ack);
  }

  private requireServer(): Server {
    if (!this.server) throw new Error('SignalRelay used before the gateway attached the Socket.IO server');
    return this.server;
  }
}

/**
 * Whether a value takes at most `limit` bytes as JSON (what the relay forwards). A walk adds up a
 * bound first (a string's UTF-16 unit is at most 6 bytes, as `\uXXXX`; a number at most 24
 * characters; brackets, quotes, colons and commas counted), and only a value whose bound is over
 * the limit is serialized to be measured: an ordinary signal is not serialized twice (Socket.IO
 * serializes it to send it). Objects other than arrays and plain objects are measured exactly.
 */
export function fitsInJson(value: unknown, limit: number): boolean {
  return jsonBound(value, limit) <= limit || Buffer.byteLength(JSON.stringify(value) ?? '') <= limit;
}

/** An upper bound of the JSON size of `value`, or Infinity once it passes `budget` (or cannot be bounded by the walk). */
function jsonBound(value: unknown, budget: number): number {
  let bound = 0;
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const item = pending.pop();
    if (typeof item === 'string') bound += 2 + 6 * item.length;
    else if (typeof item === 'number') bound += 24;
    else if (typeof item !== 'object' || item === null)
      bound += 5; // true, false, null; undefined is left out or null
    else if (Array.isArray(item)) {
      bound += 2 + item.length; // brackets and commas
      for (const element of item) pending.push(element);
    } else if (Object.getPrototypeOf(item) === Object.prototype) {
      for (const key in item) {
        bound += 4 + 6 * key.length; // quotes, colon, comma
        pending.push((item as Record<string, unknown>)[key]);
      }
      bound += 2;
    } else return Infinity;
    if (bound > budget) return Infinity;
  }
  return bound;
}
