import { Injectable } from '@nestjs/common';
import { Types } from 'mongoose';
import { AppException, ErrorCode } from '@app/common';
import { CALL_MESSAGES } from '../calls.messages';
import { CallView, ParticipantView, toCallView, toParticipantView } from '../calls.mapper';
import { CallListFilter, CallRepository } from '../repositories/call.repository';
import { ChatMessageRepository } from '../repositories/chat-message.repository';
import { ParticipantRepository } from '../repositories/participant.repository';
import { CallRecord } from '../schemas/call.schema';
import { CallUsers } from '../views/call-users.service';
import { CallViews } from '../views/call-views.service';

export type { CallListFilter };

/** What staff see of a user's calls (CallStaffQueries.statsOfUser). */
export interface UserCallStats {
  hostedCalls: number;
  joinedCalls: number;
  totalMinutes: number;
}

/** A call in full as staff see it: with how many chat messages it has. */
export type CallStaffView = CallView & { messageCount: number };

/**
 * Reading any call, whoever it concerns: for staff (moderators and admins), whose role the caller
 * has checked. Users read calls through CallQueriesService, which applies the per-call rules.
 */
@Injectable()
export class CallStaffQueries {
  constructor(
    private readonly calls: CallRepository,
    private readonly participants: ParticipantRepository,
    private readonly messages: ChatMessageRepository,
    private readonly users: CallUsers,
    private readonly views: CallViews,
  ) {}

  /** Every call matching the filter, newest first: one page (summaries) and the total. */
  async list(filter: CallListFilter, skip: number, limit: number): Promise<{ calls: CallView[]; total: number }> {
    const { calls, total } = await this.calls.listPage(filter, skip, limit);
    const users = await this.users.lookup(calls.map((c) => c.hostId.toHexString()));
    return { calls: calls.map((c) => toCallView(c, users)), total };
  }

  /** The call with participants, invitations and its message count; 404 for an unknown or malformed id. */
  async details(callId: string): Promise<CallStaffView> {
    const call = await this.findCall(callId);
    const [view, messageCount] = await Promise.all([this.views.full(call), this.messages.countOf(call._id)]);
    return { ...view, messageCount };
  }

  /** Everyone who is or was in the call, in the order they joined, with their state; 404 as `details`. */
  async participantsOf(callId: string): Promise<ParticipantView[]> {
    const call = await this.findCall(callId);
    const participants = await this.participants.participantsOf(call._id);
    const users = await this.users.lookup(participants.map((p) => p.userId.toHexString()));
    return participants.map((p) => toParticipantView(p, users));
  }

  /**
   * A user's calls in figures: calls they created, calls they took part in (hosting included), and
   * the minutes of those that ended (whole calls, start to end), rounded. Scans the calls and
   * participants collections on the embedded database (no index but `_id` there).
   */
  async statsOfUser(userId: string): Promise<UserCallStats> {
    if (!Types.ObjectId.isValid(userId)) return { hostedCalls: 0, joinedCalls: 0, totalMinutes: 0 };
    const user = new Types.ObjectId(userId);
    const [hostedCalls, callIds] = await Promise.all([
      this.calls.countCreatedBy(user),
      this.participants.callIdsOfParticipant(user, false),
    ]);
    const seconds = await this.calls.totalDurationOf(callIds);
    return { hostedCalls, joinedCalls: callIds.length, totalMinutes: Math.round(seconds / 60) };
  }

  private async findCall(callId: string): Promise<CallRecord> {
    const call = await this.calls.findCall(callId);
    if (!call) throw new AppException(ErrorCode.NOT_FOUND, CALL_MESSAGES.notFound);
    return call;
  }
}
