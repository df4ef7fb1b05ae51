import { OpenCall, OpenCallSchema } from './schemas/open-call.schema';
import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { UsersModule } from '../users';
import { CallAccessService } from './access/call-access.service';
import { CallPasswordAttempts } from './access/call-password-attempts.service';
import { AgoraTokenService } from './agora-token.service';
import { CallsController } from './calls.controller';
import { CallsHousekeeping } from './calls.housekeeping';
import { InvitationsService } from './invitations/invitations.service';
import { AccountEndedCalls } from './lifecycle/account-ended-calls';
import { CallCreationService } from './lifecycle/call-creation.service';
import { CallEndingService } from './lifecycle/call-ending.service';
import { CallJoinService } from './lifecycle/call-join.service';
import { CallKickService } from './lifecycle/call-kick.service';
import { CallLeaveService } from './lifecycle/call-leave.service';
import { MediaChatService } from './media-chat/media-chat.service';
import { CallAnalyticsService } from './queries/call-analytics.service';
import { CallQueriesService } from './queries/call-queries.service';
import { CallStaffQueries } from './queries/call-staff-queries.service';
import { CallAnalyticsRepository } from './repositories/call-analytics.repository';
import { CallRepository } from './repositories/call.repository';
import { ChatMessageRepository } from './repositories/chat-message.repository';
import { InvitationRepository } from './repositories/invitation.repository';
import { ParticipantRepository } from './repositories/participant.repository';
import { PasswordFailureRepository } from './repositories/password-failure.repository';
import { Call, CallSchema } from './schemas/call.schema';
import { CallInvitation, CallInvitationSchema } from './schemas/call-invitation.schema';
import { CallParticipant, CallParticipantSchema } from './schemas/call-participant.schema';
import { CallPasswordFailure, CallPasswordFailureSchema } from './schemas/call-password-failure.schema';
import { ChatMessage, ChatMessageSchema } from './schemas/chat-message.schema';
import { CallUsers } from './views/call-users.service';
import { CallViews } from './views/call-views.service';

/**
 * Calls: lifecycle, invitations, participants, media state, chat and Agora RTC tokens. Other
 * modules use what index.ts exports: the access rules (CallAccessService), the one way to end a
 * call (CallEndingService), leaving one (CallLeaveService, for the reconnect grace), the reads (CallQueriesService) and media and chat (MediaChatService,
 * which the Socket.IO gateway calls as the REST routes do), and for staff reading any call
 * (CallStaffQueries) and removing a participant (CallKickService), and the housekeeping sweep
 * (CallsHousekeeping) that admin cleanup runs on demand.
 */
@Module({
  imports: [
    MongooseModule.forFeature([
      { name: Call.name, schema: CallSchema },
      { name: CallParticipant.name, schema: CallParticipantSchema },
      { name: CallInvitation.name, schema: CallInvitationSchema },
      { name: ChatMessage.name, schema: ChatMessageSchema },
      { name: CallPasswordFailure.name, schema: CallPasswordFailureSchema },
      { name: OpenCall.name, schema: OpenCallSchema },
    ]),
    UsersModule,
  ],
  controllers: [CallsController],
  providers: [
    CallRepository,
    ParticipantRepository,
    InvitationRepository,
    ChatMessageRepository,
    PasswordFailureRepository,
    CallPasswordAttempts,
    CallAccessService,
    CallUsers,
    CallViews,
    AgoraTokenService,
    CallEndingService,
    CallCreationService,
    CallJoinService,
    CallLeaveService,
    InvitationsService,
    MediaChatService,
    CallQueriesService,
    CallsHousekeeping,
    CallAnalyticsRepository,
    CallAnalyticsService,
    CallKickService,
    CallStaffQueries,
    AccountEndedCalls,
  ],
  exports: [
    CallAnalyticsService,
    CallAccessService,
    CallEndingService,
    CallLeaveService,
    CallQueriesService,
    MediaChatService,
    InvitationsService,
    CallKickService,
    CallStaffQueries,
    CallsHousekeeping,
  ],
})
export class CallsModule {}
