import { Injectable } from '@nestjs/common';
import {
  CallAnalyticsRepository,
  CallRollupFacts,
  ParticipantRollupFacts,
} from '../repositories/call-analytics.repository';
import { CallRepository } from '../repositories/call.repository';
import { CallRecord } from '../schemas/call.schema';

export type { CallRollupFacts, ParticipantRollupFacts };

/**
 * Calls as admin analytics reads them: one stored call by id (what a domain event does not carry,
 * such as its `startedAt`), calls by id, whole-collection streams for rebuilding the rollups, and
 * the top hosts of a period. Authorization is the caller's (staff only).
 */
@Injectable()
export class CallAnalyticsService {
  constructor(
    private readonly calls: CallRepository,
    private readonly analytics: CallAnalyticsRepository,
  ) {}

  /** The stored call; null for an unknown or malformed id. */
  findCall(callId: string): Promise<CallRecord | null> {
    return this.calls.findCall(callId);
  }

  callsByIds(ids: string[]): Promise<CallRecord[]> {
    return this.analytics.callsByIds(ids);
  }

  eachCall(): AsyncIterable<CallRollupFacts> {
    return this.analytics.eachCall();
  }

  eachParticipant(): AsyncIterable<ParticipantRollupFacts> {
    return this.analytics.eachParticipant();
  }

  topHosts(since: Date, limit: number): Promise<{ hostId: string; calls: number }[]> {
    return this.analytics.topHosts(since, limit);
  }
}
