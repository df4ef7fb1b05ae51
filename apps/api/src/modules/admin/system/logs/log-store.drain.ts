import { Inject, Injectable, BeforeApplicationShutdown, OnApplicationBootstrap } from '@nestjs/common';
import { Logger } from 'pino';
import { LOGGER } from '../../../../core/core.module';
import { LogStoreSink, logStoreSinkOf } from '../../../../core/logging/log-store-sink';
import { LogStoreRepository } from './log-store.repository';

/**
 * Connects the logger's store sink to the database once the app is up (its queue holds what was
 * logged during start-up) and writes what is left before the database closes.
 */
@Injectable()
export class LogStoreDrain implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly sink?: LogStoreSink;

  constructor(
    private readonly repository: LogStoreRepository,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.sink = logStoreSinkOf(logger);
  }

  onApplicationBootstrap(): void {
    this.sink?.attach((lines) => this.repository.insertLines(lines));
  }

  /** Writes what is queued now; `logs` calls it so a warning of this instance is readable at once. */
  async flush(): Promise<void> {
    await this.sink?.flush();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.sink?.detach();
  }
}
