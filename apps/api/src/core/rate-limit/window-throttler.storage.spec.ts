import { WindowThrottlerStorage } from './window-throttler.storage';

describe('WindowThrottlerStorage', () => {
  let now: number;
  let storage: WindowThrottlerStorage;
  const hit = (key = 'default:ip', ttl = 60_000, limit = 3, block = 60_000, name = 'default') =>
    storage.increment(key, ttl, limit, block, name);

  beforeEach(() => {
    now = 1_000_000;
    storage = new WindowThrottlerStorage(() => now);
  });
  afterEach(() => storage.close());

  it('counts hits in a window that starts at the first one and refuses past the limit until the block lapses', async () => {
    expect(await hit()).toEqual({ totalHits: 1, timeToExpire: 60, isBlocked: false, timeToBlockExpire: 0 });
    now += 10_500;
    expect(await hit()).toEqual({ totalHits: 2, timeToExpire: 50, isBlocked: false, timeToBlockExpire: 0 });
    expect(await hit()).toMatchObject({ totalHits: 3, isBlocked: false });
    // The fourth passes the limit: blocked for blockDuration from now, as the Redis script does.
    expect(await hit()).toEqual({ totalHits: 4, timeToExpire: 50, isBlocked: true, timeToBlockExpire: 60 });
    now += 30_000;
    expect(await hit()).toEqual({ totalHits: 5, timeToExpire: 20, isBlocked: true, timeToBlockExpire: 30 });
    // The window ends before the block: the count starts again, the block still holds.
    now += 20_000;
    expect(await hit()).toEqual({ totalHits: 1, timeToExpire: 60, isBlocked: true, timeToBlockExpire: 10 });
    now += 10_000;
    expect(await hit()).toEqual({ totalHits: 2, timeToExpire: 50, isBlocked: false, timeToBlockExpire: 0 });
  });

  it('keeps clients and named limits apart', async () => {
    await hit('default:a');
    await hit('default:a');
    expect(await hit('default:b')).toMatchObject({ totalHits: 1 });
    expect(await hit('default:a', 60_000, 3, 60_000, 'auth')).toMatchObject({ totalHits: 1 });
    expect(await hit('default:a')).toMatchObject({ totalHits: 3, isBlocked: false });
  });

  it('holds one small record per client however many requests it makes, and forgets it once the window and block end', async () => {
    for (let i = 0; i < 50_000; i++) await hit('default:busy', 60_000, 1_000_000_000);
    expect(await hit('default:busy', 60_000, 1_000_000_000)).toMatchObject({ totalHits: 50_001, isBlocked: false });
    await hit('default:blocked', 1_000, 0, 120_000);
    expect(storage.size).toBe(2);
    now += 60_000;
    storage.sweep();
    expect(storage.size).toBe(1); // the blocked client's block still runs
    now += 60_000;
    storage.sweep();
    expect(storage.size).toBe(0);
  });
});
