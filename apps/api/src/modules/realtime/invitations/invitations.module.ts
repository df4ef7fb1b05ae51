import { Module } from '@nestjs/common';
import { CallsModule } from '../../calls';
import { RealtimeExceptionFilter } from '../realtime-errors';
import { InvitationsGateway } from './invitations.gateway';

/** Call invitations over sockets: send-call-invitation, call-response, and their server events. */
@Module({
  imports: [CallsModule],
  providers: [InvitationsGateway, RealtimeExceptionFilter],
})
export class RealtimeInvitationsModule {}
