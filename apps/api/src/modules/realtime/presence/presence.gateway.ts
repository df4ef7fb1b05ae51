import { BeforeApplicationShutdown, Inject, UseFilters } from '@nestjs/common';
import { OnGatewayConnection, OnGatewayDisconnect, WebSocketGateway, WebSocketServer } from '@nestjs/websockets';
import { Presence } from '@app/common';
import { Logger } from 'pino';
import { Server } from 'socket.io';
import { LOGGER } from '../../../core/core.module';
import { DomainEvents, EventOrigin, OnDomainEvent } from '../../../core/events';
import { ContactsService } from '../../contacts';
import { LiveSessionRecord, UserConnections, UsersService } from '../../users';
import { LocalInstance } from '../cluster/local-instance';
import { SessionLoss } from '../cluster/session-loss';
import { AppSocket, userRoom } from '../realtime.protocol';
import { RealtimeExceptionFilter } from '../realtime-errors';
import { callRoom } from '../rooms/rooms.protocol';

/** `user-online`: the user became visible, or changed the status others see while visible. */
export interface UserOnline {
  userId: string;
  status: Exclude<Presence, 'offline'>;
  timestamp: string;
}

/** `user-offline`: the user's last socket closed (`lastSeenAt` set), or they chose to appear offline. */
export interface UserOffline {
  userId: string;
  status: 'offline';
  lastSeenAt: string | null;
  timestamp: string;
}

/** How long a clean shutdown waits for its sockets' sessions to be ended before it gives up on them. */
const SHUTDOWN_DRAIN_MS = 3000;

/**
 * Presence over sockets. Each socket registers the user's live session (UserConnections, in the
 * database, so every instance sees the same; what others see is the chosen status while connected,
 * `offline` otherwise) and the users who have this user as a contact are told when that visible
 * status changes: the user became visible (no session before, or only one of a dead instance), the
 * socket holding the session closed (a replaced socket's late close changes nothing), a status was
 * chosen through `PUT /api/auth/status` while connected, or the instance holding the session died
 * (SessionLoss, from CrashSweep).
 */
@WebSocketGateway()
@UseFilters(RealtimeExceptionFilter)
export class PresenceGateway
  implements OnGatewayConnection<AppSocket>, OnGatewayDisconnect<AppSocket>, BeforeApplicationShutdown
{
  @WebSocketServer() private readonly server!: Server;
  /** Sockets whose session was registered (a socket the sessions ended at once never was). */
  private readonly registered = new Set<string>();
  /**
   * Each user's session writes of this instance, chained in the order of the socket events: a
   * socket replaced here closes after its successor's session is written, so its conditional
   * delete finds the successor's and leaves it.
   */
  private readonly queues = new Map<string, Promise<void>>();
  /** Work still running, so a clean shutdown can wait for its sessions to be ended. */
  private readonly pending = new Set<Promise<void>>();
  private readonly log: Logger;

  constructor(
    private readonly connections: UserConnections,
    private readonly users: UsersService,
    private readonly contacts: ContactsService,
    private readonly instance: LocalInstance,
    private readonly loss: SessionLoss,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ context: 'PresenceGateway' });
    // A session lost with its instance is a disconnect, unless the user is already back elsewhere.
    loss.listen(({ session, online }) => (online ? Promise.resolve() : this.wentOffline(session._id)));
    instance.onRevived(() => this.registerAgain());
  }

  handleConnection(socket: AppSocket): void {
    // The sessions may have ended it already (revoked during its handshake).
    if (!socket.connected) return;
    this.registered.add(socket.id);
    this.inOrder(socket.data.user.id, () => this.opened(socket));
  }

  handleDisconnect(socket: AppSocket): void {
    if (!this.registered.delete(socket.id)) return;
    this.inOrder(socket.data.user.id, () => this.closed(socket));
  }

  /** A status chosen over REST: contacts see it only while the user is connected (on any instance). */
  @OnDomainEvent('user.presence.changed')
  onPresenceChanged(event: DomainEvents['user.presence.changed'], _origin: EventOrigin): void {
    void this.settle(this.statusChosen(event), event.userId);
  }

  /**
   * A clean shutdown: this instance's sockets are closed as a transport close (clients reconnect to
   * another instance), their sessions ended as on any disconnect, then the lease is given up. A
   * session left over (the database slow or gone) keeps the lease, so another instance ends it once
   * the lease runs out.
   */
  async beforeApplicationShutdown(): Promise<void> {
    for (const socket of this.server.of('/').sockets.values()) socket.conn.close(true);
    const drained = Promise.all([...this.pending]);
    await Promise.race([drained, new Promise((resolve) => setTimeout(resolve, SHUTDOWN_DRAIN_MS).unref())]);
    try {
      if ((await this.connections.countOf(this.instance.id)) === 0) await this.instance.release();
      else this.log.warn('sessions left at shutdown: another instance ends them when this lease runs out');
    } catch (error) {
      this.log.warn({ error: (error as Error).message }, 'instance lease not released at shutdown');
    }
  }

  private async opened(socket: AppSocket): Promise<void> {
    const userId = socket.data.user.id;
    // A resumed socket is back in its call rooms already.
    const prefix = callRoom('');
    const rooms = [...socket.rooms].filter((room) => room.startsWith(prefix)).map((room) => room.slice(prefix.length));
    const previous = await this.connections.open({ userId, instanceId: this.instance.id, socketId: socket.id, rooms });
    if (previous && !(await this.diedWith(previous))) return;
    if (previous) await this.loss.lost({ session: previous, since: new Date(), online: true });
    await this.cameOnline(socket);
  }

  private async closed(socket: AppSocket): Promise<void> {
    const userId = socket.data.user.id;
    if (await this.connections.close(userId, socket.id)) await this.wentOffline(userId);
  }

  /** A session replaced by a socket of this user: its instance died without ending it. */
  private async diedWith(previous: LiveSessionRecord): Promise<boolean> {
    return previous.instanceId !== this.instance.id && !(await this.instance.isAlive(previous.instanceId));
  }

  /** After this instance's lease ran out and another ended its sessions: its live sockets register again. */
  private registerAgain(): void {
    for (const socket of this.server.of('/').sockets.values() as IterableIterator<AppSocket>) {
      if (this.registered.has(socket.id)) this.inOrder(socket.data.user.id, () => this.opened(socket));
    }
  }

  private inOrder(userId: string, work: () => Promise<void>): void {
    const queued = this.settle((this.queues.get(userId) ?? Promise.resolve()).then(work), userId);
    this.queues.set(userId, queued);
    void queued.finally(() => {
      if (this.queues.get(userId) === queued) this.queues.delete(userId);
    });
  }

  /**
   * The socket now holds the user's session. A socket closed meanwhile is told by its close, queued
   * behind this; one replaced meanwhile by a socket elsewhere is disconnected by that replacement,
   * so `connected` tells both apart from the database's session, without reading it.
   */
  private async cameOnline(socket: AppSocket): Promise<void> {
    if (!socket.connected) return;
    const userId = socket.data.user.id;
    const presence = await this.users.chosenPresence(userId);
    // Choosing `offline` keeps a connected user invisible.
    if (!presence || presence === 'offline' || !socket.connected) return;
    await this.tell(userId, 'user-online', this.online(userId, presence));
  }

  private async statusChosen({ userId, status }: DomainEvents['user.presence.changed']): Promise<void> {
    if (!(await this.connections.isConnected(userId))) return;
    if (status !== 'offline') return this.tell(userId, 'user-online', this.online(userId, status));
    const user = await this.users.findById(userId);
    await this.tell(userId, 'user-offline', this.offline(userId, user?.lastSeenAt ?? null));
  }

  private async wentOffline(userId: string): Promise<void> {
    const user = await this.users.recordLastSeen(userId);
    if (await this.connections.isConnected(userId)) return;
    await this.tell(userId, 'user-offline', this.offline(userId, user?.lastSeenAt ?? null));
  }

  private async tell(userId: string, event: 'user-online' | 'user-offline', payload: UserOnline | UserOffline) {
    const owners = await this.contacts.ownersListing(userId);
    if (owners.length > 0) this.server.to(owners.map(userRoom)).emit(event, payload);
  }

  private online(userId: string, status: Exclude<Presence, 'offline'>): UserOnline {
    return { userId, status, timestamp: new Date().toISOString() };
  }

  private offline(userId: string, lastSeenAt: Date | null): UserOffline {
    return {
      userId,
      status: 'offline',
      lastSeenAt: lastSeenAt?.toISOString() ?? null,
      timestamp: new Date().toISOString(),
    };
  }

  /** Connection hooks cannot await: a failure is logged, never left unhandled; shutdown waits for it. */
  private settle(work: Promise<void>, userId: string): Promise<void> {
    const settled = work.catch((err: unknown) => this.log.error({ err, userId }, 'presence update failed'));
    this.pending.add(settled);
    void settled.finally(() => this.pending.delete(settled));
    return settled;
  }
}
