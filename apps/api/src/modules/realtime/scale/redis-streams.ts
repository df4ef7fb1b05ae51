import { createAdapter } from '@socket.io/redis-streams-adapter';
import Redis from 'ioredis';
import { Logger } from 'pino';
import { Registry } from 'prom-client';
import { Namespace, Server } from 'socket.io';
import { Session } from 'socket.io-adapter';
import { AppConfig } from '../../../core/config/app-config';
import { databaseName } from '../../../core/database/database.module';
import { FAIL_FAST_OPTIONS, RedisLink } from '../../../core/redis/redis-link';
import { withoutLiveOnly } from './recovery-adapter';

/** How long a stream read blocks in Redis: an idle instance pays one cheap XREAD per interval. */
const READ_BLOCK_MS = 1000;

/**
 * With REDIS_URL, Socket.IO's Redis Streams adapter: room broadcasts, `disconnectSockets`,
 * `fetchSockets` and connection state recovery reach every instance, so the one-connection rule,
 * targeted events and room events hold across instances. Its keys are named after the database,
 * as the domain events' channel is: instances sharing a database share them, two deployments (or
 * test runs) on one Redis never mix. Returns what closes its Redis connections at shutdown.
 *
 * While Redis does not answer, the adapter works as the in-memory one: events reach this
 * instance's sockets at once (the publishing client fails fast instead of queueing, and is not
 * asked at all once known down), `fetchSockets` answers with this instance's sockets, and no
 * session is kept for recovery. Once Redis answers again, events cross instances again
 * (RedisLink: one warning, one info in the log; health shows it).
 */
export function useRedisStreams(
  server: Server,
  config: AppConfig,
  logger: Logger,
  registry: Registry,
): () => Promise<void> {
  if (!config.redisUrl) return () => Promise.resolve();
  const prefix = `video-call-api:${databaseName(config.database.uri ?? '')}:socket.io`;
  const client = new Redis(config.redisUrl, FAIL_FAST_OPTIONS);
  const link = new RedisLink(client, {
    component: 'socket_events',
    logger: logger.child({ context: 'SocketAdapter' }),
    registry,
    down: 'Redis does not answer: Socket.IO events reach this instance\u2019s sockets only until it does',
    up: 'Redis answers again: Socket.IO events reach every instance again',
  });
  // The adapter duplicates the client for its stream readers and subscriber: those wait for Redis
  // (a blocking read must not time out, nor fail in a loop while Redis is away). It closes them
  // only after a blocked read returns; closing them here lets shutdown finish at once.
  const duplicates: Redis[] = [];
  const duplicate = client.duplicate.bind(client);
  client.duplicate = (override) => {
    const copy = duplicate({
      ...override,
      enableOfflineQueue: true,
      maxRetriesPerRequest: null,
      commandTimeout: undefined,
    });
    duplicates.push(copy);
    return copy;
  };
  const create = createAdapter(client, {
    streamName: prefix,
    channelPrefix: prefix,
    sessionKeyPrefix: `${prefix}:session:`,
    blockTimeInMs: READ_BLOCK_MS,
  });
  // Socket.IO calls the adapter with `new`: a function that returns the object.
  server.adapter(function (namespace: Namespace) {
    return withLocalFallback(create(namespace), link);
  } as unknown as Parameters<Server['adapter']>[0]);
  return async () => {
    link.close();
    for (const copy of duplicates) copy.disconnect();
    await client.quit().catch(() => undefined);
  };
}

interface BroadcastOptions {
  rooms: Set<string>;
  except?: Set<string>;
  flags?: { local?: boolean };
}

/** The adapter methods used here (socket.io-adapter's ClusterAdapter, the streams adapter 0.3). */
interface ClusterHooks {
  sids: Map<string, Set<string>>;
  broadcast(packet: unknown, opts: BroadcastOptions): Promise<void>;
  addSockets(opts: BroadcastOptions, rooms: string[]): Promise<void>;
  delSockets(opts: BroadcastOptions, rooms: string[]): Promise<void>;
  disconnectSockets(opts: BroadcastOptions, close: boolean): Promise<void>;
  doPublish(message: unknown): Promise<string>;
  doPublishResponse(requesterUid: string, response: unknown): Promise<void>;
  serverCount(): Promise<number>;
  persistSession(session: unknown): void;
  restoreSession(pid: string, offset: string): Promise<Session | null>;
}

/**
 * Two changes to the adapter. While Redis is known down, every operation is local (the `local`
 * flag: done at once, in order, without asking Redis) and the few calls that still reach for
 * Redis fail or answer for this instance at once. And, always: an event to one socket of this
 * instance (`socket.emit`) is delivered at once without the round trip through the stream, which
 * no other instance needs; otherwise a `socket.emit(...)` followed by `socket.disconnect()` (a
 * replaced or ended session) lost its event, since the disconnect overtook the stream write.
 * Such events are not replayed by connection state recovery; room and user events still are,
 * except WebRTC signals, which are relayed live only (recovery-adapter.ts).
 */
function withLocalFallback<T>(adapter: T, link: RedisLink): T {
  const hooks = adapter as unknown as ClusterHooks;
  const local = (opts: BroadcastOptions): BroadcastOptions => ({ ...opts, flags: { ...opts.flags, local: true } });
  const whileDown = (opts: BroadcastOptions) => (link.usable ? opts : local(opts));
  const broadcast = hooks.broadcast.bind(hooks);
  hooks.broadcast = (packet, opts) => broadcast(packet, toOwnSocket(hooks, opts) ? local(opts) : whileDown(opts));
  const addSockets = hooks.addSockets.bind(hooks);
  hooks.addSockets = (opts, rooms) => addSockets(whileDown(opts), rooms);
  const delSockets = hooks.delSockets.bind(hooks);
  hooks.delSockets = (opts, rooms) => delSockets(whileDown(opts), rooms);
  const disconnectSockets = hooks.disconnectSockets.bind(hooks);
  hooks.disconnectSockets = (opts, close) => disconnectSockets(whileDown(opts), close);
  const unavailable = () => Promise.reject(new Error('Redis does not answer'));
  const doPublish = hooks.doPublish.bind(hooks);
  hooks.doPublish = (message) => (link.usable ? doPublish(message) : unavailable());
  const doPublishResponse = hooks.doPublishResponse.bind(hooks);
  hooks.doPublishResponse = (uid, response) => (link.usable ? doPublishResponse(uid, response) : unavailable());
  // One server: fetchSockets answers with this instance's sockets instead of waiting for others.
  const serverCount = hooks.serverCount.bind(hooks);
  hooks.serverCount = () => (link.usable ? serverCount().catch(() => 1) : Promise.resolve(1));
  const persistSession = hooks.persistSession.bind(hooks);
  hooks.persistSession = (session) => {
    if (link.usable) persistSession(session);
  };
  const restoreSession = hooks.restoreSession.bind(hooks);
  hooks.restoreSession = (pid, offset) =>
    link.usable ? restoreSession(pid, offset).then(withoutLiveOnly) : unavailable();
  return adapter;
}

/** `socket.emit` to a socket of this instance: one room, that socket's id, nothing excepted. */
function toOwnSocket(hooks: ClusterHooks, opts: BroadcastOptions): boolean {
  if (opts.rooms.size !== 1 || (opts.except && opts.except.size > 0)) return false;
  const [room] = opts.rooms;
  return hooks.sids.has(room);
}
