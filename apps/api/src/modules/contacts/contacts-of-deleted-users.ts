import { Inject, Injectable } from '@nestjs/common';
import { Logger } from 'pino';
import { LOGGER } from '../../core/core.module';
import { DomainEvents, EventOrigin, OnDomainEvent } from '../../core/events';
import { ContactsRepository } from './contacts.repository';

/**
 * A deleted account leaves every contact list, and its own list goes: both directions of every
 * pair are removed. Subscribed to the users module's `user.deleted` (whoever deletes an account
 * never calls into contacts); local scope, so it runs once, where the account was deleted.
 */
@Injectable()
export class ContactsOfDeletedUsers {
  private readonly log: Logger;

  constructor(
    private readonly contacts: ContactsRepository,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ context: 'ContactsOfDeletedUsers' });
  }

  @OnDomainEvent('user.deleted')
  onDeleted(event: DomainEvents['user.deleted'], _origin: EventOrigin): void {
    void this.removeContactsOf(event);
  }

  /** Never rejects: a failure is logged (the event bus does not wait for listeners). */
  private async removeContactsOf(event: DomainEvents['user.deleted']): Promise<void> {
    try {
      const removed = await this.contacts.removeEveryPairOf(event.userId);
      this.log.info({ userId: event.userId, removed }, 'contacts of a deleted account removed');
    } catch (error) {
      this.log.error({ err: error, userId: event.userId }, 'contacts of a deleted account not removed');
    }
  }
}
