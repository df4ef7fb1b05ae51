import { randomUUID } from 'node:crypto';
import { Inject, Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { EventEmitter2, OnEvent } from '@nestjs/event-emitter';
import Redis from 'ioredis';
import { Logger } from 'pino';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { LOGGER } from '../core.module';
import { FAIL_FAST_OPTIONS } from '../redis/redis-link';
import { databaseName } from '../database/database.module';
import { DOMAIN_EVENT_NAMES, DomainEventName, DomainEvents } from './domain-events';

/**
 * The Redis channel the instances of one deployment share: named after the database, since the
 * instances that share a database are the ones whose state must agree; two deployments (or two
 * test runs) on one Redis then never hear each other.
 */
export function clusterChannel(databaseUri: string): string {
  return `video-call-api:${databaseName(databaseUri)}:domain-events`;
}
/** How long start-up waits for the Redis subscription before serving without it (it keeps trying). */
const SUBSCRIBE_WAIT_MS = 2000;

/**
 * Who hears an event: `local` subscribers only events published by this instance (the default:
 * most reactions should happen once, where the change was made); `cluster` subscribers also
 * those of every other instance, through Redis (sockets, caches: state each instance keeps).
 */
export type EventScope = 'local' | 'cluster';

/** Passed to listeners beside the payload: where the event was published. */
export interface EventOrigin {
  remote: boolean;
}
const LOCAL: EventOrigin = Object.freeze({ remote: false });
const REMOTE: EventOrigin = Object.freeze({ remote: true });

interface ClusterMessage {
  origin: string;
  name: DomainEventName;
  payload: unknown;
}

const KNOWN_NAMES: ReadonlySet<string> = new Set(DOMAIN_EVENT_NAMES);

/**
 * The one way to publish a domain event, typed against the map in domain-events.ts. In-process
 * always (EventEmitter2); with REDIS_URL also to every other instance over Redis pub/sub, which
 * delivers at most once: an event is a notification, never the only record of a change.
 */
@Injectable()
export class EventBus implements OnModuleInit, OnApplicationShutdown {
  private readonly instanceId = randomUUID();
  private readonly log: Logger;
  private publisher?: Redis;
  private subscriber?: Redis;
  private channel = '';
  /** Without Redis there is no other instance to miss; with it, true while the subscription is live. */
  private hearing: boolean;
  private readonly hearingListeners: ((hearing: boolean) => void)[] = [];
  private publishFailing = false;

  constructor(
    private readonly emitter: EventEmitter2,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ context: 'EventBus' });
    this.hearing = !config.redisUrl;
  }

  /**
   * Whether this instance hears every event of the other instances: always without Redis, and
   * with it only while the subscription is live. While it is not, state kept from cluster events
   * (caches) may be stale and must not be trusted.
   */
  get hearsCluster(): boolean {
    return this.hearing;
  }

  /** Called with the new value each time `hearsCluster` changes. */
  onHearingChange(listener: (hearing: boolean) => void): void {
    this.hearingListeners.push(listener);
  }

  /** Call only after the change is stored. Never throws: a failed fan-out is logged. */
  publish<K extends DomainEventName>(name: K, payload: DomainEvents[K]): void {
    this.emitter.emit(name, payload, LOCAL);
    if (!this.publisher) return;
    const message: ClusterMessage = { origin: this.instanceId, name, payload };
    this.publisher.publish(this.channel, JSON.stringify(message)).then(
      () => {
        if (!this.publishFailing) return;
        this.publishFailing = false;
        this.log.info('event bus: domain events reach the other instances again');
      },
      (error: Error) => {
        // Once per outage, not once per event: the subscriber's state says the rest.
        if (this.publishFailing) return;
        this.publishFailing = true;
        this.log.warn(
          { event: name, error: error.message },
          'event bus: domain events not fanned out to other instances',
        );
      },
    );
  }

  async onModuleInit(): Promise<void> {
    const url = this.config.redisUrl;
    if (!url) return;
    this.channel = clusterChannel(this.config.database.uri ?? '');
    // Fail fast: an event nobody else can hear now is not worth holding for later.
    this.publisher = new Redis(url, { lazyConnect: false, ...FAIL_FAST_OPTIONS });
    this.subscriber = new Redis(url, { lazyConnect: false });
    for (const client of [this.publisher, this.subscriber]) {
      // Each reconnect attempt errors; what matters (deaf, publishing fails) is logged once.
      client.on('error', (error: Error) => this.log.debug({ error: error.message }, 'event bus: Redis error'));
    }
    this.subscriber.on('message', (channel: string, raw: string) => {
      if (channel === this.channel) this.receive(raw);
    });
    // Deaf from the moment the connection drops until the subscription is confirmed again: events
    // published in between are lost (pub/sub keeps nothing), so listeners drop what they cached.
    this.subscriber.on('close', () => this.setHearing(false));
    const subscribe = () => {
      const subscriber = this.subscriber;
      if (!subscriber) return Promise.resolve(false);
      return subscriber.subscribe(this.channel).then(
        () => {
          this.setHearing(subscriber.status === 'ready');
          return true;
        },
        () => false,
      );
    };
    this.subscriber.on('ready', () => void subscribe());
    const subscribed = subscribe();
    const waited = new Promise<false>((resolve) => setTimeout(() => resolve(false), SUBSCRIBE_WAIT_MS).unref());
    if (!(await Promise.race([subscribed, waited]))) {
      this.log.warn('event bus: Redis subscription not ready; other instances\u2019 events arrive once it is');
    }
  }

  async onApplicationShutdown(): Promise<void> {
    const clients = [this.subscriber, this.publisher].filter((client): client is Redis => client !== undefined);
    await Promise.all(clients.map((client) => client.quit().catch(() => undefined)));
  }

  private setHearing(hearing: boolean): void {
    if (hearing === this.hearing) return;
    this.hearing = hearing;
    if (hearing) this.log.info('event bus: hearing the other instances again');
    else this.log.warn('event bus: lost the Redis subscription; not hearing the other instances');
    for (const listener of this.hearingListeners) listener(hearing);
  }

  /** An event of another instance: only for `cluster` subscribers. Malformed messages are dropped. */
  private receive(raw: string): void {
    let message: Partial<ClusterMessage>;
    try {
      message = JSON.parse(raw) as Partial<ClusterMessage>;
    } catch {
      this.log.warn('event bus: dropped a message that is not JSON');
      return;
    }
    if (message.origin === this.instanceId) return;
    const { name, payload } = message;
    if (typeof name !== 'string' || !KNOWN_NAMES.has(name) || typeof payload !== 'object' || payload === null) {
      this.log.warn({ event: name }, 'event bus: dropped a malformed message');
      return;
    }
    this.emitter.emit(name, payload, REMOTE);
  }
}

type Handler<K extends DomainEventName> = (payload: DomainEvents[K], origin: EventOrigin) => unknown;

/**
 * Subscribes a provider's method to a domain event with the payload typed from the map. `local`
 * (default): events published on this instance; `cluster`: also those of other instances.
 */
export function OnDomainEvent<K extends DomainEventName>(name: K, options: { scope?: EventScope } = {}) {
  const scope = options.scope ?? 'local';
  return (
    target: object,
    key: string | symbol,
    descriptor: TypedPropertyDescriptor<Handler<K>>,
  ): TypedPropertyDescriptor<Handler<K>> => {
    const handler = descriptor.value;
    if (!handler) throw new TypeError(`@OnDomainEvent('${name}') must decorate a method`);
    descriptor.value = function (this: unknown, payload: DomainEvents[K], origin: EventOrigin = LOCAL) {
      if (scope === 'local' && origin.remote) return undefined;
      return handler.call(this, payload, origin);
    };
    return OnEvent(name)(target, key, descriptor) as TypedPropertyDescriptor<Handler<K>>;
  };
}
