import { Injectable } from '@nestjs/common';
import { AppException, ErrorCode } from '@app/common';
import {
  CallEndingService,
  CallKickService,
  CallStaffQueries,
  CallStaffView,
  CallView,
  ParticipantView,
} from '../../calls';
import { AdminCallsQuery } from './dto/admin-calls.query';
import { AdminPaginationDto } from './dto/admin-call.response';

export interface AdminCallPage {
  calls: CallView[];
  pagination: AdminPaginationDto;
}

/**
 * Call management for staff (moderators and admins): any call, whoever it concerns. Everything
 * goes through the calls module's public services; the realtime effects (`call-ended`,
 * `user-left`, `participant-kicked`) follow from the domain events those services publish.
 */
@Injectable()
export class AdminCallsService {
  constructor(
    private readonly queries: CallStaffQueries,
    private readonly ending: CallEndingService,
    private readonly kicks: CallKickService,
  ) {}

  async list(query: AdminCallsQuery): Promise<AdminCallPage> {
    const { page, limit } = query;
    const { calls, total } = await this.queries.list(
      {
        status: query.status,
        callType: query.callType,
        callMode: query.callMode,
        hostId: query.hostId,
        from: query.from ? new Date(query.from) : undefined,
        to: query.to ? new Date(query.to) : undefined,
      },
      (page - 1) * limit,
      limit,
    );
    return { calls, pagination: { page, limit, total, pages: Math.ceil(total / limit) } };
  }

  details(callId: string): Promise<CallStaffView> {
    return this.queries.details(callId);
  }

  participants(callId: string): Promise<ParticipantView[]> {
    return this.queries.participantsOf(callId);
  }

  /** Ends the call for everyone with reason `ended-by-admin`; 409 once it has ended. */
  async end(callId: string, staffId: string): Promise<CallStaffView> {
    const ended = await this.ending.end(callId, { by: 'admin', userId: staffId, reason: 'ended-by-admin' });
    if (!ended) throw new AppException(ErrorCode.CONFLICT, 'The call has already ended');
    return this.queries.details(ended._id);
  }

  kick(callId: string, userId: string, staffId: string): Promise<ParticipantView> {
    return this.kicks.kick(callId, userId, staffId);
  }
}
