import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { UsersModule } from '../users/users.module';
import { AgoraTokenService } from './agora-token.service';
import { CallsController } from './calls.controller';
import { CallsHousekeeping } from './calls.housekeeping';
import { CallsRepository } from './calls.repository';
import { CallsService } from './calls.service';
import { Call, CallSchema } from './schemas/call.schema';
import { CallInvitation, CallInvitationSchema } from './schemas/call-invitation.schema';
import { CallParticipant, CallParticipantSchema } from './schemas/call-participant.schema';
import { ChatMessage, ChatMessageSchema } from './schemas/chat-message.schema';
import { CallPasswordFailure, CallPasswordFailureSchema } from './schemas/call-password-failure.schema';
import { CallPasswordAttempts } from './call-password-attempts';

/** Calls: lifecycle, invitations, participants, media state, chat and Agora RTC tokens. */
@Module({
  imports: [
    MongooseModule.forFeature([
      { name: Call.name, schema: CallSchema },
      { name: CallParticipant.name, schema: CallParticipantSchema },
      { name: CallInvitation.name, schema: CallInvitationSchema },
      { name: ChatMessage.name, schema: ChatMessageSchema },
      { name: CallPasswordFailure.name, schema: CallPasswordFailureSchema },
    ]),
    UsersModule,
  ],
  controllers: [CallsController],
  providers: [CallsRepository, CallsService, CallPasswordAttempts, AgoraTokenService, CallsHousekeeping],
  exports: [CallsService],
})
export class CallsModule {}
