import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Logger } from 'pino';
import { LOGGER } from '../../../../core/core.module';
import {
  CallCreatedEvent,
  CallEndedEvent,
  CallParticipantJoinedEvent,
  CallParticipantLeftEvent,
  EventOrigin,
  OnDomainEvent,
  UserDeletedEvent,
  UserRegisteredEvent,
} from '../../../../core/events';
import { CallAnalyticsService } from '../../../calls';
import { bucketKeysOf } from './buckets';
import {
  callEndCounters,
  callerMarkerId,
  callStartCounters,
  FIELD,
  markerBucket,
  signUpCounters,
  TOTAL_ID,
} from './rollup-counters';
import { RECENT_CALLS, RECENT_USERS, RollupsRepository } from './rollups.repository';

/**
 * Keeps the rollups as things happen: local-scope subscribers, so each change is counted once, by
 * the instance that made it, with the event's own times (`at`, `startedAt`) where it carries them
 * and the stored call's `startedAt` where it does not. A failed write is logged, never thrown: the
 * change itself is stored, and `rebuild-rollups` repairs the counts (RollupRebuildService).
 */
@Injectable()
export class RollupRecorder implements OnApplicationShutdown {
  private readonly log: Logger;
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly rollups: RollupsRepository,
    private readonly calls: CallAnalyticsService,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ context: 'RollupRecorder' });
  }

  @OnDomainEvent('user.registered')
  onRegistered(event: UserRegisteredEvent, _origin: EventOrigin): void {
    this.track('user.registered', async () => {
      const at = new Date(event.at);
      await this.rollups.increment([...bucketKeysOf(at), TOTAL_ID], signUpCounters());
      await this.rollups.pushRecent(RECENT_USERS, { id: event.userId, at });
    });
  }

  @OnDomainEvent('user.deleted')
  onDeleted(_event: UserDeletedEvent, _origin: EventOrigin): void {
    this.track('user.deleted', () => this.rollups.increment([TOTAL_ID], { [FIELD.deletedUsers]: 1 }));
  }

  @OnDomainEvent('call.created')
  onCallCreated(event: CallCreatedEvent, _origin: EventOrigin): void {
    this.track('call.created', async () => {
      const call = await this.calls.findCall(event.callId);
      if (!call) return;
      await this.rollups.pushRecent(RECENT_CALLS, { id: call._id, at: call.createdAt });
      if (event.status === 'active' && call.startedAt) await this.callStarted(call.startedAt, event);
    });
  }

  @OnDomainEvent('call.participant.joined')
  onJoined(event: CallParticipantJoinedEvent, _origin: EventOrigin): void {
    this.track('call.participant.joined', async () => {
      const now = new Date();
      const call = await this.calls.findCall(event.callId);
      if (!call?.startedAt) return;
      if (event.callStarted) await this.callStarted(call.startedAt, call);
      await this.countCaller(call.startedAt, event.userId);
      const concurrent = await this.rollups.moveGauge(FIELD.participantsNow, 1);
      await this.rollups.raise(bucketKeysOf(now), FIELD.peakParticipants, concurrent);
    });
  }

  @OnDomainEvent('call.participant.left')
  onLeft(_event: CallParticipantLeftEvent, _origin: EventOrigin): void {
    this.track('call.participant.left', async () => {
      await this.rollups.moveGauge(FIELD.participantsNow, -1);
    });
  }

  @OnDomainEvent('call.ended')
  onEnded(event: CallEndedEvent, _origin: EventOrigin): void {
    this.track('call.ended', async () => {
      if (event.participantIds.length > 0) {
        await this.rollups.moveGauge(FIELD.participantsNow, -event.participantIds.length);
      }
      // A scheduled call that never started has no minutes and was never counted as started.
      if (!event.startedAt) return;
      const counters = callEndCounters(event.duration, event.reason);
      await this.rollups.increment(bucketKeysOf(new Date(event.startedAt)), counters);
      await this.rollups.increment([TOTAL_ID], { ...counters, [FIELD.callsActive]: -1 });
    });
  }

  /** Resolves once every write started so far has finished (tests; shutdown). */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  onApplicationShutdown(): Promise<void> {
    return this.idle();
  }

  private async callStarted(startedAt: Date, call: Pick<CallCreatedEvent, 'callType' | 'callMode'>): Promise<void> {
    const counters = callStartCounters(call.callType, call.callMode);
    await this.rollups.increment(bucketKeysOf(startedAt), counters);
    await this.rollups.increment([TOTAL_ID], { ...counters, [FIELD.callsActive]: 1 });
  }

  /** Counts the user among the distinct callers of each bucket of the call's start, once per bucket. */
  private async countCaller(startedAt: Date, userId: string): Promise<void> {
    const fresh = await this.rollups.markFirst(bucketKeysOf(startedAt).map((key) => callerMarkerId(key, userId)));
    await this.rollups.increment(fresh.map(markerBucket), { [FIELD.callers]: 1 });
  }

  /** Runs the writes of one event in the background (publishers do not wait), kept for `idle()`. */
  private track(event: string, work: () => Promise<void>): void {
    const run: Promise<void> = work()
      .catch((error: Error) => {
        this.log.warn({ event, error: error.message }, 'rollups not updated; run rebuild-rollups to repair them');
      })
      .finally(() => this.pending.delete(run));
    this.pending.add(run);
  }
}
