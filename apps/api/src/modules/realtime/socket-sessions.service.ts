import { Inject, Injectable } from '@nestjs/common';
import { ErrorCode } from '@app/common';
import { Logger } from 'pino';
import { RemoteSocket, Server } from 'socket.io';
import { APP_CONFIG, AppConfig } from '../../core/config/app-config';
import { LOGGER } from '../../core/core.module';
import { DomainEvents, EventOrigin, OnDomainEvent } from '../../core/events';
import { EventBudget } from './event-budget';
import {
  AckError,
  AppSocket,
  ServerToClientEvents,
  SessionEndReason,
  SessionReplaced,
  SocketData,
  userRoom,
} from './realtime.protocol';
import { answerError } from './realtime-errors';

const END_MESSAGES: Readonly<Record<SessionEndReason, string>> = {
  logout: 'Signed out: this token was revoked',
  'password-changed': 'The password was changed: sign in again',
  'password-reset': 'The password was reset: sign in again',
  'account-suspended': 'This account is suspended',
  'account-deleted': 'This account was deleted',
  'token-expired': 'The authentication token has expired: reconnect with a fresh one',
  'rate-limited': 'Too many events: this connection kept sending over its limit',
};

/**
 * How long a revocation is remembered for handshakes already past their checks (they take
 * milliseconds; a minute leaves room for a slow database). Swept when this many users have some.
 */
const REMEMBER_REVOCATIONS_MS = 60_000;
const SWEEP_AT = 1000;

interface Revocation {
  until: number;
  /** The reason to end a session with these credentials, or undefined when it is not revoked. */
  endsIf: (data: SocketData) => SessionEndReason | undefined;
}

function isNewer(a: Pick<AppSocket, 'id' | 'handshake'>, b: Pick<AppSocket, 'id' | 'handshake'>): boolean {
  return a.handshake.issued === b.handshake.issued ? a.id > b.id : a.handshake.issued > b.handshake.issued;
}

function replacedNotice(): SessionReplaced {
  return {
    reason: 'session-replaced',
    message: 'A newer connection of this account replaced this one',
    timestamp: new Date().toISOString(),
  };
}

/** setTimeout's longest delay (about 24.8 days); a later expiry is reached in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

const EXPIRY = Symbol('expiryTimer');

/** A socket with the timer that ends it at its token's `exp`. */
interface ExpiringSocket extends AppSocket {
  [EXPIRY]?: NodeJS.Timeout;
}

/** Shared by every socket: Socket.IO calls it with the socket as `this`. */
function cancelExpiry(this: AppSocket): void {
  clearTimeout((this as ExpiringSocket)[EXPIRY]);
}

/**
 * The life of authenticated sockets on this instance: one connection per user (the newest
 * replaces the others), the end of a session when its token expires or is revoked (by any
 * instance: the revocation events are cluster-scoped), and each socket's event budget.
 */
@Injectable()
export class SocketSessions {
  private server?: Server;
  private readonly recentRevocations = new Map<string, Revocation[]>();
  private readonly log: Logger;
  /** The answer to an event over the budget: the same for every socket. */
  private refusal?: AckError;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ context: 'RealtimeGateway' });
  }

  /** Called once by the gateway when Socket.IO is up. */
  attachServer(server: Server): void {
    this.server = server;
  }

  /** A socket that passed the handshake: replace the user's other connections, arm its expiry and budget. */
  open(socket: AppSocket): void {
    const { user } = socket.data;
    // Checked before it replaces anything: a revoked connection must not end a good one.
    const revoked = this.revokedSince(socket.data);
    if (revoked) return this.end(socket, revoked);
    const room = userRoom(user.id);
    this.armExpiry(socket);
    socket.on('disconnect', cancelExpiry);
    // Joined before it looks for the others: of two connections opening at once on two instances,
    // at least one then sees the other, and both decide by the same order.
    if (!socket.recovered) void socket.join(room);
    void this.keepNewest(socket, room);
    socket.use(this.limitEvents(socket));
  }

  /**
   * One connection per user, the newest (by handshake time, then id). Through the room rather than
   * a local map, so a cluster adapter carries the rule to every instance. A resumed connection is
   * the older one: it gives way to any connection opened while it was away.
   */
  private async keepNewest(socket: AppSocket, room: string): Promise<void> {
    const server = this.requireServer();
    let others: Pick<RemoteSocket<ServerToClientEvents, SocketData>, 'id' | 'handshake' | 'emit' | 'disconnect'>[];
    try {
      others = await server.in(room).except(socket.id).fetchSockets();
    } catch (error) {
      // An instance did not answer in time (fetchSockets waits for every one): replace without the order.
      this.log.warn({ userId: socket.data.user.id, error: (error as Error).message }, 'replacing without the order');
      if (socket.recovered) return;
      server.to(room).except(socket.id).emit('session-replaced', replacedNotice());
      server.in(room).except(socket.id).disconnectSockets(true);
      return;
    }
    if (!socket.connected || others.length === 0) return;
    if (socket.recovered || others.some((other) => isNewer(other, socket))) {
      socket.emit('session-replaced', replacedNotice());
      socket.disconnect(true);
      return;
    }
    for (const other of others) {
      other.emit('session-replaced', replacedNotice());
      other.disconnect(true);
    }
  }

  /** Tells the client why, then disconnects it (the event is written before the close). */
  end(socket: AppSocket, reason: SessionEndReason): void {
    if (!socket.connected) return;
    socket.emit('session-ended', { reason, message: END_MESSAGES[reason], timestamp: new Date().toISOString() });
    socket.disconnect(true);
    this.log.info({ userId: socket.data.user.id, reason }, 'socket session ended');
  }

  @OnDomainEvent('user.tokens.revoked', { scope: 'cluster' })
  onTokensRevoked(event: DomainEvents['user.tokens.revoked'], _origin: EventOrigin): void {
    this.revoke(event.userId, (data) => {
      const revoked = event.reason === 'logout' ? data.user.jti === event.jti : data.tokenVersion < event.tokenVersion;
      return revoked ? event.reason : undefined;
    });
  }

  @OnDomainEvent('user.suspended', { scope: 'cluster' })
  onSuspended(event: DomainEvents['user.suspended'], _origin: EventOrigin): void {
    this.revoke(event.userId, () => 'account-suspended');
  }

  @OnDomainEvent('user.deleted', { scope: 'cluster' })
  onDeleted(event: DomainEvents['user.deleted'], _origin: EventOrigin): void {
    this.revoke(event.userId, () => 'account-deleted');
  }

  /**
   * Ends the user's sockets the revocation names, and remembers it for a while: a handshake whose
   * checks passed just before it is connected just after, and must not survive it.
   */
  private revoke(userId: string, endsIf: Revocation['endsIf']): void {
    const now = Date.now();
    if (this.recentRevocations.size >= SWEEP_AT) this.forgetRevocationsBefore(now);
    const kept = (this.recentRevocations.get(userId) ?? []).filter((r) => r.until > now);
    this.recentRevocations.set(userId, [...kept, { until: now + REMEMBER_REVOCATIONS_MS, endsIf }]);
    for (const socket of this.localSocketsOf(userId)) {
      const reason = endsIf(socket.data);
      if (reason) this.end(socket, reason);
    }
  }

  /** Why a socket that just passed the handshake is already revoked, if it is. */
  private revokedSince(data: SocketData): SessionEndReason | undefined {
    const now = Date.now();
    for (const revocation of this.recentRevocations.get(data.user.id) ?? []) {
      const reason = revocation.until > now ? revocation.endsIf(data) : undefined;
      if (reason) return reason;
    }
    return undefined;
  }

  private forgetRevocationsBefore(now: number): void {
    for (const [userId, revocations] of this.recentRevocations) {
      const kept = revocations.filter((r) => r.until > now);
      if (kept.length) this.recentRevocations.set(userId, kept);
      else this.recentRevocations.delete(userId);
    }
  }

  /** This instance's sockets of a user (other instances hear the same cluster event for theirs). */
  private localSocketsOf(userId: string): AppSocket[] {
    if (!this.server) return [];
    const namespace = this.server.of('/');
    const ids = namespace.adapter.rooms.get(userRoom(userId)) ?? new Set<string>();
    return [...ids].flatMap((id) => {
      const socket = namespace.sockets.get(id) as AppSocket | undefined;
      return socket ? [socket] : [];
    });
  }

  /**
   * Ends the session at the token's `exp`, so the client reconnects with a fresh token. The timer
   * is kept on the socket and its callback is shared (nothing per socket but the timer).
   */
  private armExpiry(socket: AppSocket): void {
    const remaining = socket.data.user.exp * 1000 - Date.now();
    if (remaining <= 0) return this.end(socket, 'token-expired');
    (socket as ExpiringSocket)[EXPIRY] = setTimeout(
      this.rearmExpiry,
      Math.min(remaining, MAX_TIMER_MS),
      socket,
    ).unref();
  }

  /** A timer longer than Node allows (about 24.8 days) is armed again for the rest. */
  private readonly rearmExpiry = (socket: AppSocket) => this.armExpiry(socket);

  /** Every client event passes this budget first; over it the event is refused, a flood ends the session. */
  private limitEvents(socket: AppSocket): (packet: unknown[], next: (error?: Error) => void) => void {
    const { eventsPerSecond, eventBurst } = this.config.realtime;
    const budget = new EventBudget({ ratePerSecond: eventsPerSecond, burst: eventBurst }, Date.now());
    const refusal = (this.refusal ??= {
      success: false,
      errorCode: ErrorCode.TOO_MANY_REQUESTS,
      message: `Too many events: at most ${eventsPerSecond} per second (bursts of ${eventBurst})`,
      errors: [],
    });
    return (packet, next) => {
      if (!socket.connected) return;
      const ack = packet.at(-1);
      switch (budget.take(Date.now())) {
        case 'accepted':
          return next();
        case 'refused':
          return answerError(socket, refusal, ack);
        case 'flooding':
          return this.end(socket, 'rate-limited');
      }
    };
  }

  private requireServer(): Server {
    if (!this.server) throw new Error('SocketSessions used before the gateway attached the Socket.IO server');
    return this.server;
  }
}
