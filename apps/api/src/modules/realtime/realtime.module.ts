import { Module } from '@nestjs/common';
import { AuthModule } from '../auth';
import { RealtimeInvitationsModule } from './invitations/invitations.module';
import { RealtimeMetricsModule } from './metrics/realtime-metrics.module';
import { PresenceModule } from './presence/presence.module';
import { RealtimeExceptionFilter } from './realtime-errors';
import { RoomsModule } from './rooms/rooms.module';
import { RealtimeGateway } from './realtime.gateway';
import { SocketAuthenticator } from './socket-authenticator';
import { SocketSessions } from './socket-sessions.service';

/**
 * The Socket.IO gateway: authenticated connections, one per user, ended when their token expires
 * or is revoked, with acknowledgements and a per-socket event budget (docs/realtime.md).
 */
@Module({
  imports: [AuthModule, RoomsModule, PresenceModule, RealtimeInvitationsModule, RealtimeMetricsModule],
  providers: [RealtimeGateway, SocketAuthenticator, SocketSessions, RealtimeExceptionFilter],
})
export class RealtimeModule {}
