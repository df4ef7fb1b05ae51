import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Logger } from 'pino';
import { LOGGER } from '../../core/core.module';
import { AuthRepository } from './auth.repository';

export const HOUSEKEEPING_INTERVAL_MS = 10 * 60 * 1000;

/**
 * Removes email tokens that can no longer be used and revocations of tokens that have expired
 * anyway. The embedded database has no TTL indexes, and a plain timer needs no scheduler
 * package; with several instances each one purges, which is harmless (deleteMany is idempotent).
 */
@Injectable()
export class AuthHousekeeping implements OnModuleInit, OnModuleDestroy {
  private timer?: NodeJS.Timeout;
  private readonly log: Logger;

  constructor(
    private readonly repository: AuthRepository,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ context: 'AuthHousekeeping' });
  }

  onModuleInit(): void {
    this.timer = setInterval(() => void this.purge(), HOUSEKEEPING_INTERVAL_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  async purge(now = new Date()): Promise<{ emailTokens: number; revokedTokens: number }> {
    try {
      const emailTokens = await this.repository.purgeEmailTokens(now);
      const revokedTokens = await this.repository.purgeExpired(now);
      if (emailTokens + revokedTokens > 0) this.log.debug({ emailTokens, revokedTokens }, 'auth tokens purged');
      return { emailTokens, revokedTokens };
    } catch (error) {
      this.log.warn({ error: (error as Error).name }, 'auth token purge failed; retrying at the next interval');
      return { emailTokens: 0, revokedTokens: 0 };
    }
  }
}
