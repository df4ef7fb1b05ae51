import { Inject, UseFilters } from '@nestjs/common';
import { MessageBody, SubscribeMessage, WebSocketGateway, WebSocketServer } from '@nestjs/websockets';
import { AppException, AuthUser, CurrentUser, ErrorCode } from '@app/common';
import { Logger } from 'pino';
import { Server } from 'socket.io';
import { LOGGER } from '../../../core/core.module';
import { DomainEvents, EventOrigin, OnDomainEvent } from '../../../core/events';
import { CallAccessService, CallQueriesService, CallView, InvitationsService, InvitationView } from '../../calls';
import { AckSuccess, userRoom } from '../realtime.protocol';
import { RealtimeExceptionFilter } from '../realtime-errors';
import { CallResponseDto, SendCallInvitationDto } from './invitations.dto';

/** The server's view of a call as invitation events carry it, with `callId` for clients to send back. */
export type CallData = CallView & { callId: string };

/** `call-invitation`, to each invitee: `from` is the inviter's user id. */
export interface CallInvitation {
  from: string;
  callData: CallData;
  timestamp: string;
}

/** `call-response`, to the inviter and the host: `from` is the invitee who answered. */
export interface CallResponse {
  from: string;
  response: 'accepted' | 'declined';
  callData: CallData;
  timestamp: string;
}

/**
 * Invitations over sockets. The client events call the same service as `POST /api/calls/:id/invite`
 * and `/respond`, with the same rules; what the other side receives comes from the domain events
 * that service publishes, so invitations and answers made over REST reach sockets the same way.
 */
@WebSocketGateway()
@UseFilters(RealtimeExceptionFilter)
export class InvitationsGateway {
  @WebSocketServer() private readonly server!: Server;
  private readonly log: Logger;

  constructor(
    private readonly invitations: InvitationsService,
    private readonly access: CallAccessService,
    private readonly queries: CallQueriesService,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ context: 'InvitationsGateway' });
  }

  /** Invites `targetUserId` to `callData.callId`: the sender must be the host or in the call. */
  @SubscribeMessage('send-call-invitation')
  async sendInvitation(
    @MessageBody() body: SendCallInvitationDto,
    @CurrentUser() me: AuthUser,
  ): Promise<AckSuccess<{ invitations: InvitationView[]; skipped: string[] }>> {
    const result = await this.invitations.invite(callIdOf(body.callData), me.id, [body.targetUserId.toLowerCase()]);
    return { success: true, data: result };
  }

  /** Answers the caller's own invitation; `targetUserId` must be whoever invited them. */
  @SubscribeMessage('call-response')
  async respond(
    @MessageBody() body: CallResponseDto,
    @CurrentUser() me: AuthUser,
  ): Promise<AckSuccess<{ invitation: InvitationView; call: CallView }>> {
    const callId = callIdOf(body.callData);
    const { invitation } = await this.access.relation(callId, me.id);
    // Without an invitation the service's own rule answers (as REST does).
    if (invitation && invitation.invitedBy.toHexString() !== body.targetUserId.toLowerCase()) {
      throw new AppException(ErrorCode.BAD_REQUEST, 'targetUserId must be the user who invited you', [
        { field: 'targetUserId', message: 'targetUserId must be the user who invited you' },
      ]);
    }
    return { success: true, data: await this.invitations.respond(callId, me.id, body.response) };
  }

  @OnDomainEvent('call.invited')
  onInvited(event: DomainEvents['call.invited'], _origin: EventOrigin): void {
    this.settle(this.tellInvitees(event), event.callId);
  }

  @OnDomainEvent('call.invitation.responded')
  onResponded(event: DomainEvents['call.invitation.responded'], _origin: EventOrigin): void {
    this.settle(this.tellInviter(event), event.callId);
  }

  private async tellInvitees({ callId, invitedBy, inviteeIds }: DomainEvents['call.invited']): Promise<void> {
    // One view for every invitee: the call as the inviter (who may see it) sees it.
    const callData = await this.callData(callId, invitedBy);
    const payload: CallInvitation = { from: invitedBy, callData, timestamp: new Date().toISOString() };
    this.server.to(inviteeIds.map(userRoom)).emit('call-invitation', payload);
  }

  private async tellInviter({ callId, userId, response, hostId }: DomainEvents['call.invitation.responded']) {
    const { invitation } = await this.access.relation(callId, userId);
    const inviter = invitation?.invitedBy.toHexString();
    const told = [...new Set([inviter, hostId])].filter((id): id is string => Boolean(id) && id !== userId);
    if (told.length === 0) return;
    const callData = await this.callData(callId, hostId);
    const payload: CallResponse = { from: userId, response, callData, timestamp: new Date().toISOString() };
    this.server.to(told.map(userRoom)).emit('call-response', payload);
  }

  private async callData(callId: string, viewerId: string): Promise<CallData> {
    return { callId, ...(await this.queries.details(callId, viewerId)) };
  }

  /** Domain event subscribers cannot be awaited by the publisher: a failure is logged, never left unhandled. */
  private settle(work: Promise<void>, callId: string): void {
    work.catch((err: unknown) => this.log.error({ err, callId }, 'invitation event not delivered'));
  }
}

/** `callData.callId`, checked as REST checks a path's call id (the service answers 404 for an unknown one). */
function callIdOf(callData: Record<string, unknown>): string {
  const { callId } = callData;
  if (typeof callId === 'string' && callId.length > 0 && callId.length <= 64) return callId;
  throw new AppException(ErrorCode.BAD_REQUEST, 'Validation failed: callData.callId', [
    { field: 'callData.callId', message: 'callData.callId must be the id of a call' },
  ]);
}
