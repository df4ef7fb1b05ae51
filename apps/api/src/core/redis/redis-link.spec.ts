import { EventEmitter } from 'node:events';
import Redis from 'ioredis';
import { Logger } from 'pino';
import { Registry } from 'prom-client';
import { componentsWithoutRedis, RedisLink } from './redis-link';

/** What RedisLink uses of an ioredis client: its status, events, sendCommand and ping. */
class FakeClient extends EventEmitter {
  status = 'ready';
  pingAnswers = true;
  sendCommand(): Promise<unknown> {
    return Promise.reject(new Error('Command timed out'));
  }
  ping(): Promise<string> {
    return this.pingAnswers ? Promise.resolve('PONG') : Promise.reject(new Error('Command timed out'));
  }
}

function setUp() {
  const client = new FakeClient();
  const logger = { warn: jest.fn(), info: jest.fn() };
  const registry = new Registry();
  const link = new RedisLink(client as unknown as Redis, {
    component: 'rate_limits',
    logger: logger as unknown as Logger,
    registry,
    down: 'down',
    up: 'up',
  });
  return { client, logger, registry, link };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('RedisLink', () => {
  afterEach(() => jest.useRealTimers());

  it('counts a failed command as down only when a PING fails too, and says so once', async () => {
    const { client, logger, registry, link } = setUp();
    const failure = new Error('Command timed out');

    link.failed(failure); // a stall of this process: the PING answers
    await settle();
    expect(link.usable).toBe(true);

    client.pingAnswers = false;
    for (let i = 0; i < 5; i++) {
      link.failed(failure);
      await settle();
    }
    expect(link.usable).toBe(false);
    expect(logger.warn).toHaveBeenCalledTimes(1);
    expect(await componentsWithoutRedis(registry)).toEqual(['rate_limits']);
    link.close();
  });

  it('ignores reply errors: Redis answered', async () => {
    const { client, logger, link } = setUp();
    client.pingAnswers = false;
    const reply = Object.assign(new Error('WRONGTYPE'), { name: 'ReplyError' });
    link.failed(reply);
    await settle();
    expect(link.usable).toBe(true);
    expect(logger.warn).not.toHaveBeenCalled();
  });

  it('notes the failure of every command sent through the client, which never rejects unhandled', async () => {
    const { client, logger, link } = setUp();
    client.pingAnswers = false;
    void client.sendCommand(); // nobody awaits it
    await settle();
    await settle();
    expect(link.usable).toBe(false);
    expect(logger.warn).toHaveBeenCalledTimes(1);
    link.close();
  });

  it('is down at once when the connection closes, and up again after a reconnect whose PING answers', async () => {
    const { client, logger, registry, link } = setUp();
    client.status = 'reconnecting';
    client.emit('close');
    client.emit('close');
    expect(link.usable).toBe(false);
    expect(logger.warn).toHaveBeenCalledTimes(1);

    client.status = 'ready';
    client.emit('ready');
    await settle();
    expect(link.usable).toBe(true);
    expect(logger.info).toHaveBeenCalledTimes(1);
    expect(await componentsWithoutRedis(registry)).toEqual([]);
  });

  it('tries a Redis that is connected but silent every second, and uses it once it answers', async () => {
    jest.useFakeTimers();
    const { client, logger, link } = setUp();
    client.pingAnswers = false;
    link.failed(new Error('Command timed out'));
    await jest.advanceTimersByTimeAsync(3_000);
    expect(link.usable).toBe(false);

    client.pingAnswers = true;
    await jest.advanceTimersByTimeAsync(1_000);
    expect(link.usable).toBe(true);
    expect(logger.warn).toHaveBeenCalledTimes(1);
    expect(logger.info).toHaveBeenCalledTimes(1);
  });

  it('says nothing once closed (shutdown closes its connection)', () => {
    const { client, logger, link } = setUp();
    link.close();
    client.emit('close');
    expect(logger.warn).not.toHaveBeenCalled();
  });
});
