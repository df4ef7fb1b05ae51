import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { CallsModule } from '../../calls';
import { UsersModule } from '../../users';
import { ClusterModule } from '../cluster/cluster.module';
import { RealtimeMetricsModule } from '../metrics/realtime-metrics.module';
import { RealtimeExceptionFilter } from '../realtime-errors';
import { RoomAbsenceRepository } from './absences/room-absence.repository';
import { RoomAbsence, RoomAbsenceSchema } from './absences/room-absence.schema';
import { RoomAbsenceSweep } from './absences/room-absence-sweep';
import { LostSessionRooms } from './absences/lost-session-rooms';
import { KickNotices } from './kick-notices';
import { RoomMembership } from './room-membership';
import { RoomMembershipSync } from './room-membership-sync';
import { RoomsGateway } from './rooms.gateway';
import { SignalRelay } from './signal-relay';

/**
 * Call rooms on the Socket.IO server: join/leave, media, chat, WebRTC signalling, call events, and
 * the reconnect grace (participants whose socket dropped are marked left unless they come back).
 */
@Module({
  imports: [
    CallsModule,
    UsersModule,
    RealtimeMetricsModule,
    ClusterModule,
    MongooseModule.forFeature([{ name: RoomAbsence.name, schema: RoomAbsenceSchema }]),
  ],
  providers: [
    RoomsGateway,
    SignalRelay,
    RoomMembership,
    RoomMembershipSync,
    RoomAbsenceRepository,
    RoomAbsenceSweep,
    LostSessionRooms,
    RealtimeExceptionFilter,
    KickNotices,
  ],
})
export class RoomsModule {}
