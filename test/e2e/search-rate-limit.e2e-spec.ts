import { bearer, makeUser, RegisteredUser } from '../factories/users';
import { useTestApp } from '../support/app';

const SEARCH_LIMIT = 3;

describe('user search rate limit', () => {
  const t = useTestApp({ env: { THROTTLE_SEARCH_LIMIT: String(SEARCH_LIMIT), THROTTLE_SEARCH_TTL: '60' } });

  const search = (as: RegisteredUser, query = 'john') =>
    t.request({ url: `/api/auth/search-users?query=${query}`, headers: bearer(as.token) });

  it('answers 429 with Retry-After past the search limit, counted per user', async () => {
    const [me, other] = [await makeUser(t), await makeUser(t)];
    const remaining: string[] = [];
    for (let i = 0; i < SEARCH_LIMIT; i += 1) {
      const res = await search(me, `john${i}`);
      expect(res.status).toBe(200);
      expect(res.headers['x-ratelimit-limit']).toBe(String(SEARCH_LIMIT));
      remaining.push(String(res.headers['x-ratelimit-remaining']));
    }
    expect(remaining).toEqual(['2', '1', '0']);

    const refused = await search(me);
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ success: false, status: 'error', errorCode: 'TOO_MANY_REQUESTS' });
    const retryAfter = Number(refused.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);

    // Another user still searches; the limited user still reaches routes under the default limit.
    expect((await search(other)).status).toBe(200);
    const contacts = await t.request({ url: '/api/auth/contacts', headers: bearer(me.token) });
    expect(contacts.status).toBe(200);
    expect(contacts.headers['x-ratelimit-limit']).toBe(String(t.config.rateLimits.default.limit));
  });

  it('counts refused queries too, so malformed searches cannot probe for free', async () => {
    const me = await makeUser(t);
    for (let i = 0; i < SEARCH_LIMIT; i += 1) expect((await search(me, '@')).status).toBe(400);
    expect((await search(me)).status).toBe(429);
  });
});
