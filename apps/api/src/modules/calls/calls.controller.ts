import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { AuthUser, CurrentUser, ResponseMessage } from '@app/common';
import { ApiErrors, ApiSuccess } from '../../core/swagger/api-responses';
import { AgoraCredentials } from './agora-token.service';
import { CALL_EXAMPLE, CallView, ChatMessageView, InvitationView, ParticipantView } from './calls.mapper';
import { CallCreationService } from './lifecycle/call-creation.service';
import { CallEndingService } from './lifecycle/call-ending.service';
import { CallJoinService, JoinResult } from './lifecycle/call-join.service';
import { CallLeaveService } from './lifecycle/call-leave.service';
import { InvitationsService } from './invitations/invitations.service';
import { ChatPage, MediaChatService } from './media-chat/media-chat.service';
import { CallPage, CallQueriesService } from './queries/call-queries.service';
import {
  ChatQuery,
  HistoryQuery,
  InviteDto,
  JoinCallDto,
  MediaDto,
  RespondDto,
  SendChatDto,
} from './dto/call-actions.dto';
import {
  ACTIVE_CALL_EXAMPLE,
  ActiveCallDto,
  AGORA_EXAMPLE,
  AgoraCredentialsDto,
  CALL_DETAILS_EXAMPLE,
  CallDetailsDto,
  CallPageDto,
  CHAT_MESSAGE_EXAMPLE,
  ChatMessageDto,
  ChatPageDto,
  CreatedCallDto,
  ENDED_CALL_EXAMPLE,
  INVITATION_EXAMPLE,
  InvitationDto,
  PARTICIPANT_EXAMPLE,
  ParticipantDto,
} from './dto/call.response';
import { CreateCallDto } from './dto/create-call.dto';

const CALL_ID_PARAM = {
  name: 'id',
  description: 'Call id: 22 characters of base64url, unguessable (unknown or malformed: 404)',
  example: CALL_EXAMPLE.id,
};
const NOT_FOUND = { [HttpStatus.NOT_FOUND]: 'No call with this id' };
const ENDED = 'The call has ended';

/** Call management (spec "Call Management"). Object-level rules: access/call-access.policy.ts. */
@ApiTags('Calls')
@ApiBearerAuth()
@Controller('calls')
export class CallsController {
  constructor(
    private readonly creation: CallCreationService,
    private readonly joins: CallJoinService,
    private readonly leaves: CallLeaveService,
    private readonly ending: CallEndingService,
    private readonly invitations: InvitationsService,
    private readonly mediaChat: MediaChatService,
    private readonly queries: CallQueriesService,
  ) {}

  @Post()
  @ResponseMessage('Call created successfully')
  @ApiOperation({
    summary: 'Create a call',
    description:
      'Without a future `scheduledFor` the call is `active` with you joined as host (`agoraConfig` holds your ' +
      'token); a scheduled call has `agoraConfig: null` until you join. Invitees: 400 for yourself, duplicates or ' +
      'more than maxParticipants − 1; 404 for unknown or inactive users.',
  })
  @ApiSuccess(
    HttpStatus.CREATED,
    { call: CreatedCallDto },
    { example: { call: { ...CALL_DETAILS_EXAMPLE, agoraConfig: AGORA_EXAMPLE } } },
  )
  @ApiErrors({
    [HttpStatus.BAD_REQUEST]: 'Invalid input; inviting yourself, duplicates, or more than maxParticipants − 1',
    [HttpStatus.NOT_FOUND]: 'An invitee is unknown or not active',
  })
  async create(@CurrentUser() me: AuthUser, @Body() body: CreateCallDto): Promise<{ call: CallView }> {
    return { call: await this.creation.create(me.id, body) };
  }

  @Get('active')
  @ResponseMessage('Active calls retrieved successfully')
  @ApiOperation({ summary: 'Active calls you host, are joined to, or are invited to (pending)' })
  @ApiSuccess(HttpStatus.OK, { calls: [ActiveCallDto] }, { example: { calls: [ACTIVE_CALL_EXAMPLE] } })
  async active(@CurrentUser() me: AuthUser): Promise<{ calls: CallView[] }> {
    return { calls: await this.queries.active(me.id) };
  }

  @Get('history')
  @ResponseMessage('Call history retrieved successfully')
  @ApiOperation({ summary: 'Ended calls you created or took part in, newest first' })
  @ApiSuccess(HttpStatus.OK, CallPageDto, { example: { calls: [ENDED_CALL_EXAMPLE], total: 1, limit: 20, skip: 0 } })
  history(@CurrentUser() me: AuthUser, @Query() query: HistoryQuery): Promise<CallPage> {
    return this.queries.history(me.id, query.limit, query.skip);
  }

  @Get(':id')
  @ResponseMessage('Call retrieved successfully')
  @ApiParam(CALL_ID_PARAM)
  @ApiOperation({
    summary: 'Call details with participants and invitations',
    description: 'For the host, anyone who is or was in the call, and invitees; 403 otherwise.',
  })
  @ApiSuccess(HttpStatus.OK, { call: CallDetailsDto }, { example: { call: CALL_DETAILS_EXAMPLE } })
  @ApiErrors({ [HttpStatus.FORBIDDEN]: 'You have no relation to this call' }, NOT_FOUND)
  async details(@CurrentUser() me: AuthUser, @Param('id') id: string): Promise<{ call: CallView }> {
    return { call: await this.queries.details(id, me.id) };
  }

  @Post(':id/join')
  @HttpCode(HttpStatus.OK)
  @ResponseMessage('Joined call successfully')
  @ApiParam(CALL_ID_PARAM)
  @ApiOperation({
    summary: 'Join a call (idempotent)',
    description:
      'The host, invitees and former participants; for group calls anyone with the id (and the password when ' +
      'required). 403: not allowed or wrong password; 409: full or ended. A scheduled call starts on the first join.',
  })
  @ApiSuccess(
    HttpStatus.OK,
    { call: CallDetailsDto, agoraToken: AgoraCredentialsDto },
    { example: { call: CALL_DETAILS_EXAMPLE, agoraToken: AGORA_EXAMPLE } },
  )
  @ApiErrors(
    {
      [HttpStatus.FORBIDDEN]: 'Not allowed to join (one-to-one, removed), or a missing or wrong password',
      [HttpStatus.CONFLICT]: 'The call is full or has ended',
      [HttpStatus.TOO_MANY_REQUESTS]:
        'Rate limit reached, or too many wrong passwords for this call (CALL_PASSWORD_MAX_FAILURES); see `Retry-After`',
    },
    NOT_FOUND,
  )
  join(@CurrentUser() me: AuthUser, @Param('id') id: string, @Body() body: JoinCallDto): Promise<JoinResult> {
    return this.joins.join(id, me.id, body.password);
  }

  @Post(':id/leave')
  @HttpCode(HttpStatus.OK)
  @ResponseMessage('Left call successfully')
  @ApiParam(CALL_ID_PARAM)
  @ApiOperation({
    summary: 'Leave a call',
    description:
      'The last one out ends the call (`all-left`); a leaving host hands over to the earliest-joined participant. ' +
      '403 when you have no relation to the call; 409 when you are not joined or it has ended.',
  })
  @ApiSuccess(HttpStatus.OK, { call: CallDetailsDto }, { example: { call: CALL_DETAILS_EXAMPLE } })
  @ApiErrors(
    {
      [HttpStatus.FORBIDDEN]: 'You have no relation to this call',
      [HttpStatus.CONFLICT]: 'You are not joined, or the call has ended',
    },
    NOT_FOUND,
  )
  async leave(@CurrentUser() me: AuthUser, @Param('id') id: string): Promise<{ call: CallView }> {
    return { call: await this.leaves.leave(id, me.id) };
  }

  @Post(':id/end')
  @HttpCode(HttpStatus.OK)
  @ResponseMessage('Call ended successfully')
  @ApiParam(CALL_ID_PARAM)
  @ApiOperation({ summary: 'End a call for everyone (host only; 409 if already ended)' })
  @ApiSuccess(
    HttpStatus.OK,
    { call: CallDetailsDto },
    { example: { call: { ...CALL_DETAILS_EXAMPLE, ...ENDED_CALL_EXAMPLE } } },
  )
  @ApiErrors({ [HttpStatus.FORBIDDEN]: 'Only the host can end the call', [HttpStatus.CONFLICT]: ENDED }, NOT_FOUND)
  async end(@CurrentUser() me: AuthUser, @Param('id') id: string): Promise<{ call: CallView }> {
    return { call: await this.ending.endAsHost(id, me.id) };
  }

  @Post(':id/invite')
  @HttpCode(HttpStatus.OK)
  @ResponseMessage('Invitations sent successfully')
  @ApiParam(CALL_ID_PARAM)
  @ApiOperation({
    summary: 'Invite users (host or current participant)',
    description:
      'Users already invited or in the call are skipped (listed in `skipped`). 404 for unknown or inactive users; ' +
      '409 when the call has ended or a one-to-one call already has its invitee.',
  })
  @ApiSuccess(
    HttpStatus.OK,
    {
      invitations: [InvitationDto],
      skipped: {
        type: 'array',
        items: { type: 'string', pattern: '^[0-9a-f]{24}$' },
        description: 'User ids left out: already invited, in the call (now or before), the host, or yourself',
      },
    },
    { example: { invitations: [INVITATION_EXAMPLE], skipped: [] } },
  )
  @ApiErrors({
    [HttpStatus.FORBIDDEN]: 'Only the host or a current participant can invite',
    [HttpStatus.NOT_FOUND]: 'No call with this id, or an invitee is unknown or not active',
    [HttpStatus.CONFLICT]: 'The call has ended, or a one-to-one call already has its invitee',
  })
  invite(
    @CurrentUser() me: AuthUser,
    @Param('id') id: string,
    @Body() body: InviteDto,
  ): Promise<{ invitations: InvitationView[]; skipped: string[] }> {
    return this.invitations.invite(id, me.id, body.userIds);
  }

  @Post(':id/respond')
  @HttpCode(HttpStatus.OK)
  @ResponseMessage('Response recorded successfully')
  @ApiParam(CALL_ID_PARAM)
  @ApiOperation({
    summary: 'Accept or decline your invitation (once)',
    description:
      'Accepting does not join: call join next. 403 without an invitation; 409 when already answered or the call ' +
      'ended. A one-to-one call whose invitee declines before anyone but the host joined ends (`declined`).',
  })
  @ApiSuccess(
    HttpStatus.OK,
    { invitation: InvitationDto, call: CallDetailsDto },
    {
      example: {
        invitation: { ...INVITATION_EXAMPLE, status: 'accepted', respondedAt: '2026-01-01T10:01:00.000Z' },
        call: {
          ...CALL_DETAILS_EXAMPLE,
          invitations: [{ ...INVITATION_EXAMPLE, status: 'accepted', respondedAt: '2026-01-01T10:01:00.000Z' }],
        },
      },
    },
  )
  @ApiErrors(
    {
      [HttpStatus.FORBIDDEN]: 'You have no invitation to this call',
      [HttpStatus.CONFLICT]: 'Already answered, or the call has ended',
    },
    NOT_FOUND,
  )
  respond(
    @CurrentUser() me: AuthUser,
    @Param('id') id: string,
    @Body() body: RespondDto,
  ): Promise<{ invitation: InvitationView; call: CallView }> {
    return this.invitations.respond(id, me.id, body.response);
  }

  @Put(':id/media')
  @ResponseMessage('Media state updated successfully')
  @ApiParam(CALL_ID_PARAM)
  @ApiOperation({
    summary: 'Your own audio/video/screen-share flags (current participants)',
    description: '403 when not joined, or screen sharing while the call does not allow it.',
  })
  @ApiSuccess(HttpStatus.OK, { participant: ParticipantDto }, { example: { participant: PARTICIPANT_EXAMPLE } })
  @ApiErrors(
    {
      [HttpStatus.BAD_REQUEST]: 'Invalid input, or none of the three flags given',
      [HttpStatus.FORBIDDEN]: 'Not joined, or screen sharing in a call that does not allow it',
      [HttpStatus.CONFLICT]: ENDED,
    },
    NOT_FOUND,
  )
  async media(
    @CurrentUser() me: AuthUser,
    @Param('id') id: string,
    @Body() body: MediaDto,
  ): Promise<{ participant: ParticipantView }> {
    return { participant: await this.mediaChat.media(id, me.id, body) };
  }

  @Post(':id/chat')
  @ResponseMessage('Message sent successfully')
  @ApiParam(CALL_ID_PARAM)
  @ApiOperation({
    summary: 'Send a chat message (host or current participant)',
    description: '`messageType` text or emoji (`system` is server-only). 403 when chat is disabled.',
  })
  @ApiSuccess(HttpStatus.CREATED, { message: ChatMessageDto }, { example: { message: CHAT_MESSAGE_EXAMPLE } })
  @ApiErrors(
    {
      [HttpStatus.FORBIDDEN]: 'Not the host or a current participant, or chat is disabled',
      [HttpStatus.CONFLICT]: ENDED,
    },
    NOT_FOUND,
  )
  async sendChat(
    @CurrentUser() me: AuthUser,
    @Param('id') id: string,
    @Body() body: SendChatDto,
  ): Promise<{ message: ChatMessageView }> {
    return { message: await this.mediaChat.sendChat(id, me.id, body.message, body.messageType) };
  }

  @Get(':id/chat')
  @ResponseMessage('Messages retrieved successfully')
  @ApiParam(CALL_ID_PARAM)
  @ApiOperation({
    summary: 'Chat history, newest first (host and anyone who is or was in the call)',
    description:
      'Page backwards with `before` = the previous page’s `nextBefore` (null on the last page). Messages stored in ' +
      'the same millisecond stay on one page: a page holds fewer than `limit` when older messages share its oldest ' +
      'millisecond (they move to the next page), more when over `limit` messages share one millisecond.',
  })
  @ApiSuccess(HttpStatus.OK, ChatPageDto, {
    example: { messages: [CHAT_MESSAGE_EXAMPLE], limit: 50, nextBefore: null },
  })
  @ApiErrors({ [HttpStatus.FORBIDDEN]: 'Neither the host nor anyone who is or was in the call' }, NOT_FOUND)
  chat(@CurrentUser() me: AuthUser, @Param('id') id: string, @Query() query: ChatQuery): Promise<ChatPage> {
    return this.mediaChat.chat(id, me.id, query.limit, query.before);
  }

  @Get(':id/token')
  @ResponseMessage('Token generated successfully')
  @ApiParam(CALL_ID_PARAM)
  @ApiOperation({ summary: 'A fresh Agora RTC token for a current participant (same uid)' })
  @ApiSuccess(HttpStatus.OK, { agoraToken: AgoraCredentialsDto }, { example: { agoraToken: AGORA_EXAMPLE } })
  @ApiErrors({ [HttpStatus.FORBIDDEN]: 'You are not joined', [HttpStatus.CONFLICT]: ENDED }, NOT_FOUND)
  async token(@CurrentUser() me: AuthUser, @Param('id') id: string): Promise<{ agoraToken: AgoraCredentials }> {
    return { agoraToken: await this.joins.token(id, me.id) };
  }
}
