import { Inject, Injectable } from '@nestjs/common';
import { Logger } from 'pino';
import { LOGGER } from '../../../../core/core.module';
import { CallAnalyticsService } from '../../../calls';
import { UsersService } from '../../../users';
import { bucketKeysOf } from './buckets';
import { sweepConcurrency, Presence } from './peak-participants';
import { callEndCounters, callerMarkerId, callStartCounters, FIELD, signUpCounters, TOTAL_ID } from './rollup-counters';
import { LatestEntries, RollupTally } from './rollup-tally';
import { RECENT_CALLS, RECENT_USERS, RollupsRepository } from './rollups.repository';

/** What a rebuild read and wrote. */
export interface RebuildSummary {
  users: number;
  calls: number;
  participants: number;
  rollups: number;
  callerMarkers: number;
  tookMs: number;
}

/**
 * Recomputes every rollup from the raw collections (users, calls, call_participants): for data
 * stored before the rollups existed, after a restore, or after a crash between a change and its
 * rollup write. The counts are those the recorder would have kept, with one exception: a
 * participant document keeps only its last presence, so a peak of concurrent participants reached
 * during an earlier presence of someone who rejoined is not seen again. Reads every document once
 * (a scan on both databases) and replaces the rollups; run it while the API is quiet
 * (`npm run cli -- rebuild-rollups`).
 */
@Injectable()
export class RollupRebuildService {
  private readonly log: Logger;

  constructor(
    private readonly users: UsersService,
    private readonly calls: CallAnalyticsService,
    private readonly rollups: RollupsRepository,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ context: 'RollupRebuild' });
  }

  async rebuild(): Promise<RebuildSummary> {
    const began = Date.now();
    const tally = new RollupTally();
    const users = await this.tallyUsers(tally);
    const { startedAt, latest: latestCalls, count: calls } = await this.tallyCalls(tally);
    const participants = await this.tallyParticipants(tally, startedAt);
    const docs = tally.documents();
    await this.rollups.replaceAll(
      docs,
      [users.latest.ring(RECENT_USERS), latestCalls.ring(RECENT_CALLS)],
      [...tally.markers],
    );
    const summary: RebuildSummary = {
      users: users.count,
      calls,
      participants,
      rollups: docs.length,
      callerMarkers: tally.markers.size,
      tookMs: Date.now() - began,
    };
    this.log.info(summary, 'rollups rebuilt');
    return summary;
  }

  private async tallyUsers(tally: RollupTally): Promise<{ count: number; latest: LatestEntries }> {
    const latest = new LatestEntries();
    let count = 0;
    let deleted = 0;
    for await (const user of this.users.eachForRollups()) {
      count += 1;
      if (user.accountStatus === 'deleted') deleted += 1;
      tally.add([...bucketKeysOf(user.createdAt), TOTAL_ID], signUpCounters());
      latest.offer({ id: user._id.toHexString(), at: user.createdAt });
    }
    tally.add([TOTAL_ID], { [FIELD.deletedUsers]: deleted });
    return { count, latest };
  }

  private async tallyCalls(tally: RollupTally) {
    const startedAt = new Map<string, Date>();
    const latest = new LatestEntries();
    let count = 0;
    let active = 0;
    for await (const call of this.calls.eachCall()) {
      count += 1;
      latest.offer({ id: call._id, at: call.createdAt });
      if (!call.startedAt) continue;
      startedAt.set(call._id, call.startedAt);
      const keys = bucketKeysOf(call.startedAt);
      const started = callStartCounters(call.callType, call.callMode);
      tally.add([...keys, TOTAL_ID], started);
      if (call.status !== 'ended' || !call.endReason) {
        active += 1;
        continue;
      }
      tally.add([...keys, TOTAL_ID], callEndCounters(call.duration ?? 0, call.endReason));
    }
    tally.add([TOTAL_ID], { [FIELD.callsActive]: active });
    return { startedAt, latest, count };
  }

  /** Distinct callers per bucket of each call's start, who is joined now, and the peaks of concurrency. */
  private async tallyParticipants(tally: RollupTally, startedAt: Map<string, Date>): Promise<number> {
    const presences: Presence[] = [];
    let count = 0;
    let joinedNow = 0;
    for await (const p of this.calls.eachParticipant()) {
      const start = startedAt.get(p.callId);
      if (!start) continue;
      count += 1;
      const userId = p.userId.toHexString();
      tally.mark(bucketKeysOf(start).map((key) => callerMarkerId(key, userId)));
      const stillJoined = p.state === 'joined';
      if (stillJoined) joinedNow += 1;
      presences.push({ joinedAt: p.joinedAt, leftAt: stillJoined ? null : (p.leftAt ?? p.joinedAt) });
    }
    sweepConcurrency(presences, (at, concurrent) => tally.raise(bucketKeysOf(at), FIELD.peakParticipants, concurrent));
    tally.add([TOTAL_ID], { [FIELD.participantsNow]: joinedNow });
    return count;
  }
}
