import { Inject, Injectable } from '@nestjs/common';
import { Types } from 'mongoose';
import { Logger } from 'pino';
import { LOGGER } from '../../../core/core.module';
import { DomainEvents, EventOrigin, OnDomainEvent } from '../../../core/events';
import { CallRepository } from '../repositories/call.repository';
import { CallEndingService } from './call-ending.service';

/**
 * A suspended or deleted account hosts nothing: the calls they host now (scheduled or active) end
 * with `ended-by-admin`, through the one way to end a call (so the room gets `call-ended`).
 * Subscribed to the users module's events: whoever suspends or deletes an account never calls into
 * calls. Local scope: the instance where the account changed ends the calls once.
 */
@Injectable()
export class AccountEndedCalls {
  private readonly log: Logger;

  constructor(
    private readonly calls: CallRepository,
    private readonly ending: CallEndingService,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ context: 'AccountEndedCalls' });
  }

  @OnDomainEvent('user.suspended')
  onSuspended(event: DomainEvents['user.suspended'], _origin: EventOrigin): void {
    void this.endHostedBy(event.userId, event.by);
  }

  @OnDomainEvent('user.deleted')
  onDeleted(event: DomainEvents['user.deleted'], _origin: EventOrigin): void {
    void this.endHostedBy(event.userId, event.by);
  }

  /** Never rejects: a failure is logged (the event bus does not wait for listeners). */
  private async endHostedBy(userId: string, by: string | null): Promise<void> {
    try {
      const hosted = await this.calls.openCallsHostedBy(new Types.ObjectId(userId));
      for (const call of hosted) {
        const ending = by
          ? ({ by: 'admin', userId: by, reason: 'ended-by-admin' } as const)
          : ({ by: 'system', userId: null, reason: 'ended-by-admin' } as const);
        await this.ending.end(call._id, ending);
      }
    } catch (error) {
      // Housekeeping ends a call left active with nobody in it (CALL_IDLE_TIMEOUT).
      this.log.error({ err: error, userId }, 'calls hosted by a suspended or deleted account not ended');
    }
  }
}
