import { ThrottlerStorage } from '@nestjs/throttler';
import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import Redis from 'ioredis';
import { Logger } from 'pino';
import { Registry } from 'prom-client';
import { FAIL_FAST_OPTIONS, RedisLink } from '../redis/redis-link';
import { WindowThrottlerStorage } from './window-throttler.storage';

/**
 * Rate-limit counters in Redis while it answers, so every instance shares them; in this
 * instance's memory while it does not, so limits still hold (per instance) and no request waits
 * for Redis or fails because of it. Back to Redis by itself once it answers again (RedisLink).
 * Counters do not move between the two: a client gets a fresh window on each switch.
 */
export class FallbackThrottlerStorage implements ThrottlerStorage {
  private readonly client: Redis;
  private readonly redis: ThrottlerStorageRedisService;
  private readonly memory = new WindowThrottlerStorage();
  private readonly link: RedisLink;

  constructor(redisUrl: string, logger: Logger, registry: Registry) {
    this.client = new Redis(redisUrl, FAIL_FAST_OPTIONS);
    this.redis = new ThrottlerStorageRedisService(this.client);
    this.link = new RedisLink(this.client, {
      component: 'rate_limits',
      logger: logger.child({ context: 'RateLimits' }),
      registry,
      down: 'Redis does not answer: rate limits count on this instance alone until it does',
      up: 'Redis answers again: rate limits are shared by every instance again',
    });
  }

  async increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): ReturnType<ThrottlerStorage['increment']> {
    if (this.link.usable) {
      try {
        return await this.redis.increment(key, ttl, limit, blockDuration, throttlerName);
      } catch (error) {
        this.link.failed(error as Error);
      }
    }
    return this.memory.increment(key, ttl, limit, blockDuration, throttlerName);
  }

  close(): void {
    this.link.close();
    this.memory.close();
    this.client.disconnect();
  }
}
