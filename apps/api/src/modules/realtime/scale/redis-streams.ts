import { createAdapter } from '@socket.io/redis-streams-adapter';
import Redis from 'ioredis';
import { Logger } from 'pino';
import { Server } from 'socket.io';
import { AppConfig } from '../../../core/config/app-config';
import { databaseName } from '../../../core/database/database.module';

/** How long a stream read blocks in Redis: an idle instance pays one cheap XREAD per interval. */
const READ_BLOCK_MS = 1000;

/**
 * With REDIS_URL, Socket.IO's Redis Streams adapter: room broadcasts, `disconnectSockets`,
 * `fetchSockets` and connection state recovery reach every instance, so the one-connection rule,
 * targeted events and room events hold across instances. Its keys are named after the database,
 * as the domain events' channel is: instances sharing a database share them, two deployments (or
 * test runs) on one Redis never mix. Returns what closes its Redis connections at shutdown.
 */
export function useRedisStreams(server: Server, config: AppConfig, logger: Logger): () => Promise<void> {
  if (!config.redisUrl) return () => Promise.resolve();
  const prefix = `video-call-api:${databaseName(config.database.uri ?? '')}:socket.io`;
  const client = new Redis(config.redisUrl, { maxRetriesPerRequest: 2 });
  client.on('error', (error: Error) => logger.warn({ error: error.message }, 'Socket.IO adapter: Redis error'));
  // The adapter duplicates the client for its stream readers and subscriber and closes them only
  // after a blocked read returns; closing them here lets shutdown finish at once.
  const duplicates: Redis[] = [];
  const duplicate = client.duplicate.bind(client);
  client.duplicate = (...args) => {
    const copy = duplicate(...args);
    duplicates.push(copy);
    return copy;
  };
  server.adapter(
    createAdapter(client, {
      streamName: prefix,
      channelPrefix: prefix,
      sessionKeyPrefix: `${prefix}:session:`,
      blockTimeInMs: READ_BLOCK_MS,
    }),
  );
  return async () => {
    for (const copy of duplicates) copy.disconnect();
    await client.quit().catch(() => undefined);
  };
}
