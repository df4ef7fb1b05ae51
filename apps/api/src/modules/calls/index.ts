/*
 * The calls module's public surface: what other modules (the Socket.IO gateway, admin) may use.
 * Everything else in this folder is the module's own.
 */
export { CallsModule } from './calls.module';
export { CallAccessService } from './access/call-access.service';
export type { CallAccess } from './access/call-access.service';
export type { CallFacts, Decision, Denial, JoinDecision, PasswordDecision } from './access/call-access.policy';
export { CallEndingService } from './lifecycle/call-ending.service';
export { CallLeaveService } from './lifecycle/call-leave.service';
export { CallsHousekeeping } from './calls.housekeeping';
export type { CallEnding, EndOptions } from './lifecycle/call-ending.service';
export { CallQueriesService } from './queries/call-queries.service';
export type { CallPage } from './queries/call-queries.service';
export { CallAnalyticsService } from './queries/call-analytics.service';
export type { CallRollupFacts, ParticipantRollupFacts } from './queries/call-analytics.service';
export { InvitationsService } from './invitations/invitations.service';
export { MediaChatService } from './media-chat/media-chat.service';
export type { ChatPage } from './media-chat/media-chat.service';
export { SendChatDto } from './dto/call-actions.dto';
export type { CallUser, CallView, ChatMessageView, InvitationView, ParticipantView } from './calls.mapper';
export type { AgoraCredentials } from './agora-token.service';
export type { CallRecord, CallMode, CallStatus, CallType, EndReason } from './schemas/call.schema';
export type { ParticipantRecord, ParticipantRole, ParticipantState } from './schemas/call-participant.schema';
export type { InvitationRecord, InvitationStatus } from './schemas/call-invitation.schema';
export { CallKickService } from './lifecycle/call-kick.service';
export { CallStaffQueries } from './queries/call-staff-queries.service';
export type { CallListFilter, CallStaffView, UserCallStats } from './queries/call-staff-queries.service';
export { CallDetailsDto, CallSummaryDto, ParticipantDto } from './dto/call.response';
export { CALL_DETAILS_EXAMPLE, ENDED_CALL_EXAMPLE, PARTICIPANT_EXAMPLE } from './dto/call.response';
