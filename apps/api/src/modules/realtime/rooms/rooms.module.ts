import { Module } from '@nestjs/common';
import { CallsModule } from '../../calls';
import { UsersModule } from '../../users';
import { RealtimeExceptionFilter } from '../realtime-errors';
import { RoomMembership } from './room-membership';
import { RoomsGateway } from './rooms.gateway';

/** Call rooms on the Socket.IO server: join/leave, media, chat, WebRTC signalling, call events. */
@Module({
  imports: [CallsModule, UsersModule],
  providers: [RoomsGateway, RoomMembership, RealtimeExceptionFilter],
})
export class RoomsModule {}
