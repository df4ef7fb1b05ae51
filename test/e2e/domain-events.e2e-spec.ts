import { randomBytes } from 'node:crypto';
import { Injectable, Module } from '@nestjs/common';
import Redis from 'ioredis';
import jwt from 'jsonwebtoken';
import {
  clusterChannel,
  DomainEventName,
  DomainEvents,
  EventBus,
  EventOrigin,
  OnDomainEvent,
} from '../../apps/api/src/core/events';
import { bearer, makeUser, RegisteredUser } from '../factories/users';
import { startTestApp, TestApp, testDatabaseUri } from '../support/app';
import { eventually } from '../support/eventually';

interface Heard {
  scope: 'local' | 'cluster';
  name: DomainEventName;
  payload: Record<string, unknown>;
  remote: boolean;
}

/** Records what a local and a cluster-wide subscriber of each instance hear. */
@Injectable()
class Listener {
  readonly heard: Heard[] = [];

  @OnDomainEvent('user.presence.changed')
  localPresence(payload: DomainEvents['user.presence.changed'], origin: EventOrigin) {
    this.heard.push({ scope: 'local', name: 'user.presence.changed', payload: { ...payload }, remote: origin.remote });
  }

  @OnDomainEvent('user.presence.changed', { scope: 'cluster' })
  clusterPresence(payload: DomainEvents['user.presence.changed'], origin: EventOrigin) {
    this.heard.push({
      scope: 'cluster',
      name: 'user.presence.changed',
      payload: { ...payload },
      remote: origin.remote,
    });
  }

  @OnDomainEvent('user.tokens.revoked', { scope: 'cluster' })
  tokensRevoked(payload: DomainEvents['user.tokens.revoked'], origin: EventOrigin) {
    this.heard.push({ scope: 'cluster', name: 'user.tokens.revoked', payload: { ...payload }, remote: origin.remote });
  }

  of(userId: string, name?: DomainEventName): Heard[] {
    return this.heard.filter((h) => h.payload.userId === userId && (!name || h.name === name));
  }
}

@Module({ providers: [Listener] })
class ListenerModule {}

const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('domain events across instances (Redis)', () => {
  let a: TestApp;
  let b: TestApp;
  let heardOnA: Listener;
  let heardOnB: Listener;

  beforeAll(async () => {
    // Two instances of one deployment: the same database, the same secret, one Redis.
    const shared = { REDIS_URL: redisUrl, MONGODB_URI: testDatabaseUri(), JWT_SECRET: randomBytes(32).toString('hex') };
    a = await startTestApp({ modules: [ListenerModule], env: shared });
    b = await startTestApp({ modules: [ListenerModule], env: shared });
    heardOnA = a.app.get(Listener);
    heardOnB = b.app.get(Listener);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  const setStatus = (t: TestApp, user: RegisteredUser, status: string) =>
    t.request({ method: 'PUT', url: '/api/auth/status', headers: bearer(user.token), body: { status } });

  it('delivers a change made on one instance to cluster subscribers of the other, and local ones only where it was made', async () => {
    const user = await makeUser(a);
    expect((await setStatus(a, user, 'busy')).status).toBe(200);
    await eventually(() => heardOnB.of(user.id).some((h) => h.payload.status === 'busy'));

    const onB = heardOnB.of(user.id).filter((h) => h.payload.status === 'busy');
    expect(onB).toEqual([
      {
        scope: 'cluster',
        name: 'user.presence.changed',
        payload: expect.objectContaining({ status: 'busy' }),
        remote: true,
      },
    ]);
    // On A, each subscriber hears it once: its own echo from Redis is not delivered again.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const onA = heardOnA.of(user.id).filter((h) => h.payload.status === 'busy');
    expect(onA.map((h) => [h.scope, h.remote]).sort()).toEqual([
      ['cluster', false],
      ['local', false],
    ]);
  });

  it('tells every instance which tokens stopped working: one at logout, all before a version after a password change', async () => {
    const user = await makeUser(a);
    const { jti } = jwt.decode(user.token) as { jti: string };
    expect((await b.request({ method: 'POST', url: '/api/auth/logout', headers: bearer(user.token) })).status).toBe(
      200,
    );
    await eventually(() => heardOnA.of(user.id, 'user.tokens.revoked').length > 0);
    expect(heardOnA.of(user.id, 'user.tokens.revoked')[0]).toMatchObject({
      remote: true,
      payload: { userId: user.id, reason: 'logout', jti },
    });

    const again = await makeUser(a);
    const changed = await a.request({
      method: 'POST',
      url: '/api/auth/change-password',
      headers: bearer(again.token),
      body: { currentPassword: again.password, newPassword: 'Changed1234' },
    });
    expect(changed.status).toBe(200);
    await eventually(() => heardOnB.of(again.id, 'user.tokens.revoked').length > 0);
    expect(heardOnB.of(again.id, 'user.tokens.revoked')[0].payload).toMatchObject({
      reason: 'password-changed',
      tokenVersion: 1,
    });
  });

  it('drops malformed messages on the channel and keeps delivering', async () => {
    const redis = new Redis(redisUrl);
    try {
      const channel = clusterChannel(a.config.database.uri!);
      const before = heardOnB.heard.length;
      for (const raw of [
        'not json',
        '{"origin":"x","name":"no.such.event","payload":{}}',
        '{"origin":"x","name":"user.presence.changed"}',
      ]) {
        await redis.publish(channel, raw);
      }
      const userId = randomBytes(12).toString('hex');
      const payload = { userId, status: 'away' as const, at: new Date().toISOString() };
      await redis.publish(
        channel,
        JSON.stringify({ origin: 'another-instance', name: 'user.presence.changed', payload }),
      );
      await eventually(() => heardOnB.of(userId).length > 0);
      expect(heardOnB.heard.slice(before)).toEqual([
        { scope: 'cluster', name: 'user.presence.changed', payload, remote: true },
      ]);
    } finally {
      redis.disconnect();
    }
  });

  it('types publish against the event map', () => {
    const bus = a.app.get(EventBus);
    // @ts-expect-error -- the payload of call.ended is not a presence change
    const wrong = () => bus.publish('call.ended', { userId: 'u', status: 'online', at: '' });
    // @ts-expect-error -- no such event
    const unknown = () => bus.publish('call.exploded', {});
    expect(typeof wrong).toBe('function');
    expect(typeof unknown).toBe('function');
  });
});
