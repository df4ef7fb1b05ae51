import { Get, HttpCode, HttpStatus, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiParam } from '@nestjs/swagger';
import { AuthUser, CurrentUser, ResponseMessage } from '@app/common';
import { ApiErrors, ApiSuccess } from '../../../core/swagger/api-responses';
import { CallStaffView, ParticipantDto, ParticipantView, PARTICIPANT_EXAMPLE } from '../../calls';
import { AdminController } from '../admin-route';
import { AdminCallPage, AdminCallsService } from './admin-calls.service';
import {
  ADMIN_CALL_DETAILS_EXAMPLE,
  ADMIN_CALL_PAGE_EXAMPLE,
  AdminCallDetailsDto,
  AdminCallPageDto,
} from './dto/admin-call.response';
import { AdminCallsQuery } from './dto/admin-calls.query';

const CALL_ID_PARAM = {
  name: 'callId',
  description: 'Call id: 22 characters of base64url (unknown or malformed: 404)',
  example: ADMIN_CALL_DETAILS_EXAMPLE.id,
};
const USER_ID_PARAM = {
  name: 'userId',
  description: 'The participant to remove',
  example: PARTICIPANT_EXAMPLE.user.id,
};
const NOT_FOUND = { [HttpStatus.NOT_FOUND]: 'No call with this id' };

/** Call management for staff (spec "Admin Endpoints", "Call Management"): moderators and admins. */
@AdminController('calls', 'Admin: calls')
export class AdminCallsController {
  constructor(private readonly calls: AdminCallsService) {}

  @Get()
  @ResponseMessage('Calls retrieved successfully')
  @ApiOperation({
    summary: 'Every call, newest first, filtered and paged',
    description:
      'Filters combine: `status`, `callType`, `callMode`, `hostId` (the current host), and `from`/`to` on the ' +
      'creation time (from inclusive, to exclusive). `limit` at most 100. Reads every call on the embedded ' +
      'database (no index but `_id` there).',
  })
  @ApiSuccess(HttpStatus.OK, AdminCallPageDto, { example: ADMIN_CALL_PAGE_EXAMPLE })
  list(@Query() query: AdminCallsQuery): Promise<AdminCallPage> {
    return this.calls.list(query);
  }

  @Get(':callId')
  @ResponseMessage('Call retrieved successfully')
  @ApiParam(CALL_ID_PARAM)
  @ApiOperation({ summary: 'Any call in full: participants, invitations and its number of chat messages' })
  @ApiSuccess(HttpStatus.OK, { call: AdminCallDetailsDto }, { example: { call: ADMIN_CALL_DETAILS_EXAMPLE } })
  @ApiErrors(NOT_FOUND)
  async details(@Param('callId') callId: string): Promise<{ call: CallStaffView }> {
    return { call: await this.calls.details(callId) };
  }

  @Post(':callId/end')
  @HttpCode(HttpStatus.OK)
  @ResponseMessage('Call ended successfully')
  @ApiParam(CALL_ID_PARAM)
  @ApiOperation({
    summary: 'End a call for everyone (reason `ended-by-admin`)',
    description: 'Everyone joined is marked left, pending invitations missed; the room receives `call-ended`.',
  })
  @ApiSuccess(
    HttpStatus.OK,
    { call: AdminCallDetailsDto },
    {
      example: {
        call: {
          ...ADMIN_CALL_DETAILS_EXAMPLE,
          status: 'ended',
          joinedCount: 0,
          endedAt: '2026-01-01T10:30:00.000Z',
          duration: 1800,
          endReason: 'ended-by-admin',
          participants: [{ ...PARTICIPANT_EXAMPLE, state: 'left', leftAt: '2026-01-01T10:30:00.000Z' }],
        },
      },
    },
  )
  @ApiErrors({ [HttpStatus.CONFLICT]: 'The call has already ended' }, NOT_FOUND)
  async end(@CurrentUser() me: AuthUser, @Param('callId') callId: string): Promise<{ call: CallStaffView }> {
    return { call: await this.calls.end(callId, me.id) };
  }

  @Get(':callId/participants')
  @ResponseMessage('Participants retrieved successfully')
  @ApiParam(CALL_ID_PARAM)
  @ApiOperation({ summary: 'Everyone who is or was in the call, in join order, with their state' })
  @ApiSuccess(HttpStatus.OK, { participants: [ParticipantDto] }, { example: { participants: [PARTICIPANT_EXAMPLE] } })
  @ApiErrors(NOT_FOUND)
  async participants(@Param('callId') callId: string): Promise<{ participants: ParticipantView[] }> {
    return { participants: await this.calls.participants(callId) };
  }

  @Post(':callId/kick/:userId')
  @HttpCode(HttpStatus.OK)
  @ResponseMessage('Participant removed from the call')
  @ApiParam(CALL_ID_PARAM)
  @ApiParam(USER_ID_PARAM)
  @ApiOperation({
    summary: 'Remove a participant from a call',
    description:
      'The participant (joined, or away) becomes `kicked`: they receive `participant-kicked`, the room ' +
      '`user-left`, and they cannot rejoin the call or get a token until invited again (one rejoin per new ' +
      'invitation). A removed host hands over to the earliest joiner; the last one out ends the call (`all-left`). ' +
      'Agora keeps honouring a token it already issued until it expires (AGORA_TOKEN_TTL).',
  })
  @ApiSuccess(
    HttpStatus.OK,
    { participant: ParticipantDto },
    { example: { participant: { ...PARTICIPANT_EXAMPLE, state: 'kicked', leftAt: '2026-01-01T10:20:00.000Z' } } },
  )
  @ApiErrors({
    [HttpStatus.NOT_FOUND]: 'No call with this id, or the user never joined it',
    [HttpStatus.CONFLICT]: 'The call has ended, or the user was already removed',
  })
  async kick(
    @CurrentUser() me: AuthUser,
    @Param('callId') callId: string,
    @Param('userId') userId: string,
  ): Promise<{ participant: ParticipantView }> {
    return { participant: await this.calls.kick(callId, userId.toLowerCase(), me.id) };
  }
}
