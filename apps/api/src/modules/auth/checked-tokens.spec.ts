import { AuthUser } from '@app/common';
import { AppConfig } from '../../core/config/app-config';
import { EventBus } from '../../core/events';
import { CheckedTokens } from './checked-tokens';

const TTL_SECONDS = 5;

function checkedTokens(): CheckedTokens {
  const config = { jwt: { cacheSeconds: TTL_SECONDS } } as AppConfig;
  // The cache reads only these two of the bus: it hears the cluster, and never stops hearing it here.
  const events = { hearsCluster: true, onHearingChange: () => undefined } as unknown as EventBus;
  return new CheckedTokens(config, events);
}

function user(id: string): AuthUser {
  return { id, role: 'user', jti: `jti-${id}`, exp: Math.floor(Date.now() / 1000) + 3600 };
}

describe('CheckedTokens', () => {
  beforeEach(() => jest.useFakeTimers({ now: new Date('2026-12-03T12:00:00Z') }));
  afterEach(() => jest.useRealTimers());

  it('forgets lapsed entries on its own, without any lookup', () => {
    const tokens = checkedTokens();
    tokens.put('token-a', { user: user('a'), tokenVersion: 0 }, tokens.ticket());
    jest.advanceTimersByTime(2_000);
    tokens.put('token-b', { user: user('b'), tokenVersion: 0 }, tokens.ticket());
    expect(tokens.size).toBe(2);

    jest.advanceTimersByTime(3_000); // a is 5 s old, b 3 s
    expect(tokens.size).toBe(1);
    expect(tokens.get('token-b')?.user.id).toBe('b');

    jest.advanceTimersByTime(2_000); // b is 5 s old
    expect(tokens.size).toBe(0);
    expect(jest.getTimerCount()).toBe(0);
    tokens.onModuleDestroy();
  });

  it('counts a token stored again from its latest check', () => {
    const tokens = checkedTokens();
    tokens.put('token-a', { user: user('a'), tokenVersion: 0 }, tokens.ticket());
    tokens.put('token-b', { user: user('b'), tokenVersion: 0 }, tokens.ticket());
    jest.advanceTimersByTime(4_000);
    tokens.put('token-a', { user: user('a'), tokenVersion: 0 }, tokens.ticket());

    jest.advanceTimersByTime(1_000); // b lapses; a was checked again 1 s ago
    expect(tokens.get('token-b')).toBeUndefined();
    expect(tokens.get('token-a')?.user.id).toBe('a');
    jest.advanceTimersByTime(4_000);
    expect(tokens.size).toBe(0);
    tokens.onModuleDestroy();
  });
});
