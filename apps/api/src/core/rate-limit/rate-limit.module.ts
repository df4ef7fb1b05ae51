import { Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { ThrottlerModule, ThrottlerStorage } from '@nestjs/throttler';
import { Logger } from 'pino';
import { RATE_LIMIT_NAMES } from '@app/common';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { LOGGER } from '../core.module';
import { MetricsService } from '../metrics/metrics.service';
import { FallbackThrottlerStorage } from './fallback-throttler.storage';
import { RateLimitGuard } from './rate-limit.guard';
import { WindowThrottlerStorage } from './window-throttler.storage';

/**
 * Named limits (docs/architecture.md, "Rate limits"); counted in Redis when REDIS_URL is set, so
 * every instance shares them, and in this instance's memory (WindowThrottlerStorage, the same
 * fixed windows) without Redis or while it does not answer.
 */
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [APP_CONFIG, LOGGER, MetricsService],
      useFactory: (config: AppConfig, logger: Logger, metrics: MetricsService) => ({
        throttlers: RATE_LIMIT_NAMES.map((name) => ({
          name,
          limit: config.rateLimits[name].limit,
          ttl: config.rateLimits[name].ttlSeconds * 1000,
        })),
        storage: config.redisUrl
          ? new FallbackThrottlerStorage(config.redisUrl, logger, metrics.registry)
          : new WindowThrottlerStorage(),
      }),
    }),
  ],
  providers: [RateLimitGuard],
  exports: [RateLimitGuard],
})
export class RateLimitModule implements OnApplicationShutdown {
  constructor(@Inject(ThrottlerStorage) private readonly storage: unknown) {}

  onApplicationShutdown(): void {
    if (this.storage instanceof FallbackThrottlerStorage || this.storage instanceof WindowThrottlerStorage) {
      this.storage.close();
    }
  }
}
