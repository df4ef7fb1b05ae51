import { Inject, UseFilters } from '@nestjs/common';
import { OnGatewayConnection, OnGatewayDisconnect, WebSocketGateway, WebSocketServer } from '@nestjs/websockets';
import { Presence } from '@app/common';
import { Logger } from 'pino';
import { Server } from 'socket.io';
import { LOGGER } from '../../../core/core.module';
import { DomainEvents, EventOrigin, OnDomainEvent } from '../../../core/events';
import { ContactsService } from '../../contacts';
import { UserConnections, UsersService } from '../../users';
import { AppSocket, userRoom } from '../realtime.protocol';
import { RealtimeExceptionFilter } from '../realtime-errors';

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

/**
 * Presence over sockets: reports each socket's life to UserConnections (what others see is the
 * chosen status while connected, `offline` otherwise), and tells the users who have this user as a
 * contact when that visible status changes: first socket opened, last socket closed, or a status
 * chosen through `PUT /api/auth/status` while connected.
 */
@WebSocketGateway()
@UseFilters(RealtimeExceptionFilter)
export class PresenceGateway implements OnGatewayConnection<AppSocket>, OnGatewayDisconnect<AppSocket> {
  @WebSocketServer() private readonly server!: Server;
  /** Sockets counted in UserConnections, so a socket the sessions ended at once is never uncounted. */
  private readonly counted = new Set<string>();
  private readonly log: Logger;

  constructor(
    private readonly connections: UserConnections,
    private readonly users: UsersService,
    private readonly contacts: ContactsService,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ context: 'PresenceGateway' });
  }

  handleConnection(socket: AppSocket): void {
    // The sessions may have ended it already (revoked during its handshake).
    if (!socket.connected) return;
    const userId = socket.data.user.id;
    this.counted.add(socket.id);
    if (this.connections.opened(userId)) this.settle(this.cameOnline(userId), userId);
  }

  handleDisconnect(socket: AppSocket): void {
    if (!this.counted.delete(socket.id)) return;
    const userId = socket.data.user.id;
    if (this.connections.closed(userId)) this.settle(this.wentOffline(userId), userId);
  }

  /** A status chosen over REST: contacts see it only while the user is connected. */
  @OnDomainEvent('user.presence.changed')
  onPresenceChanged(event: DomainEvents['user.presence.changed'], _origin: EventOrigin): void {
    if (this.connections.isConnected(event.userId)) this.settle(this.statusChosen(event), event.userId);
  }

  private async cameOnline(userId: string): Promise<void> {
    const user = await this.users.findById(userId);
    // Choosing `offline` keeps a connected user invisible; a socket gone meanwhile is told by its close.
    if (!user || user.presence === 'offline' || !this.connections.isConnected(userId)) return;
    await this.tell(userId, 'user-online', this.online(userId, user.presence));
  }

  private async statusChosen({ userId, status }: DomainEvents['user.presence.changed']): Promise<void> {
    if (status !== 'offline') return this.tell(userId, 'user-online', this.online(userId, status));
    const user = await this.users.findById(userId);
    await this.tell(userId, 'user-offline', this.offline(userId, user?.lastSeenAt ?? null));
  }

  private async wentOffline(userId: string): Promise<void> {
    const user = await this.users.recordLastSeen(userId);
    if (this.connections.isConnected(userId)) return;
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

  /** Connection hooks cannot await: a failure is logged, never left unhandled. */
  private settle(work: Promise<void>, userId: string): void {
    work.catch((err: unknown) => this.log.error({ err, userId }, 'presence update failed'));
  }
}
