import { callAction, getCall, makeCall } from '../factories/calls';
import { bearer, makeUser, RegisteredUser } from '../factories/users';
import { useTestApp } from '../support/app';
import { FixtureModule } from '../support/fixture.module';

/** What a probe sends to find where the input rules give way: key floods, odd dates, odd emoji, odd page sizes. */
describe('input limits', () => {
  const t = useTestApp({ modules: [FixtureModule] });

  const echo = (payload: string) =>
    t.request({
      method: 'POST',
      url: '/api/fixture/echo',
      headers: { 'content-type': 'application/json' },
      payload,
    });

  describe('validation errors of a flooded body', () => {
    it('lists at most 20 errors and keeps the message short for 8,000 unknown keys', async () => {
      const body: Record<string, unknown> = { name: 'Ada', email: 'a@b.co', count: 1 };
      for (let i = 0; i < 8_000; i++) body[`k${i}`] = 1;
      const payload = JSON.stringify(body);
      const res = await echo(payload);
      expect(res.status).toBe(400);
      expect(res.body.errors).toHaveLength(20);
      expect(res.body.errors[0]).toEqual({ field: 'k0', message: 'property k0 should not exist' });
      expect(res.body.message).toBe('Validation failed: k0, k1, k2 and 7997 more fields (20 of 8000 errors listed)');
      expect(res.text.length).toBeLessThan(4_000);
    });

    it('shortens very long field names instead of echoing them', async () => {
      const key = 'x'.repeat(5_000);
      const res = await echo(JSON.stringify({ name: 'Ada', email: 'a@b.co', count: 1, [key]: 1 }));
      expect(res.status).toBe(400);
      expect(res.body.errors).toHaveLength(1);
      expect(res.text).not.toContain(key);
      expect(res.text.length).toBeLessThan(1_000);
    });
  });

  describe('date-times', () => {
    let host: RegisteredUser;
    beforeAll(async () => {
      host = await makeUser(t);
    });

    const createCall = (scheduledFor: unknown) =>
      t.request({
        method: 'POST',
        url: '/api/calls',
        headers: bearer(host.token),
        body: { callType: 'video', callMode: 'group', title: 'Planning', scheduledFor },
      });

    it.each([
      '2027-W01-1',
      '2027-001',
      '2027-01-01',
      '2027-01-01T10:00',
      '2027-01-01T10:00:00',
      '2027-01-01 10:00:00Z',
      '20270101T100000Z',
      '2027-02-30T10:00:00Z',
      '2027-13-01T10:00:00Z',
      '2027-01-01T24:00:00Z',
      '2027-01-01T10:60:00Z',
      '2027-01-01T10:00:00+25:00',
      '2027-01-01T10:00:00.Z',
      12345,
    ])('refuses scheduledFor %p with 400', async (scheduledFor) => {
      const res = await createCall(scheduledFor);
      expect(res.status).toBe(400);
      expect(res.body.errors).toEqual([
        { field: 'scheduledFor', message: expect.stringMatching(/ISO 8601 date-time with a time zone/) },
      ]);
    });

    it.each([
      ['2030-06-15T10:00:00Z', '2030-06-15T10:00:00.000Z'],
      ['2030-06-15T10:00Z', '2030-06-15T10:00:00.000Z'],
      ['2030-06-15T10:00:00.5+02:00', '2030-06-15T08:00:00.500Z'],
      ['2030-06-15T10:00:00.123456-05:30', '2030-06-15T15:30:00.123Z'],
      ['2032-02-29T00:00:00Z', '2032-02-29T00:00:00.000Z'],
    ])('accepts scheduledFor %s and stores %s', async (scheduledFor, stored) => {
      const res = await createCall(scheduledFor);
      expect(res.status).toBe(201);
      expect(res.body.data.call).toMatchObject({ status: 'scheduled', scheduledFor: stored });
    });

    it('refuses a chat `before` that is not a full date-time', async () => {
      const call = await makeCall(t, host);
      const bad = await getCall(t, host, `${call.id}/chat?before=2027-W01-1`);
      expect(bad.status).toBe(400);
      expect(bad.body.errors).toEqual([
        { field: 'before', message: expect.stringMatching(/ISO 8601 date-time with a time zone/) },
      ]);
      const good = await getCall(t, host, `${call.id}/chat?before=${encodeURIComponent('2030-01-01T00:00:00+01:00')}`);
      expect(good.status).toBe(200);
    });
  });

  describe('emoji chat messages', () => {
    let host: RegisteredUser;
    let callId: string;
    beforeAll(async () => {
      host = await makeUser(t);
      callId = (await makeCall(t, host)).id;
    });

    it.each(['👍', '❤️', '👍🏽', '👩‍💻', '👨‍👩‍👧‍👦', '🏳️‍🌈', '🇩🇪', '1️⃣', '🏴󠁧󠁢󠁳󠁣󠁴󠁿', '🎉 🎉 🎉', '😀😃😄'])(
      'accepts %s as an emoji message',
      async (message) => {
        const res = await callAction(t, host, callId, 'chat', { message, messageType: 'emoji' });
        expect(res.status).toBe(201);
        expect(res.body.data.message).toMatchObject({ message, messageType: 'emoji' });
      },
    );

    it.each(['hello', 'ok 👍', '👍!', '1', '#', '<script>', '👍'.repeat(11)])(
      'refuses %p as an emoji message with 400',
      async (message) => {
        const res = await callAction(t, host, callId, 'chat', { message, messageType: 'emoji' });
        expect(res.status).toBe(400);
        expect(res.body.errors).toEqual([{ field: 'message', message: expect.stringMatching(/only emoji/) }]);
      },
    );

    it('still takes any text as a text message', async () => {
      const res = await callAction(t, host, callId, 'chat', { message: 'ok 👍', messageType: 'text' });
      expect(res.status).toBe(201);
    });
  });

  describe('page sizes', () => {
    let user: RegisteredUser;
    beforeAll(async () => {
      user = await makeUser(t);
    });

    it.each(['abc', '0', '101', '1.5', '', '1e400'])(
      'answers history ?limit=%p with one message naming the range',
      async (limit) => {
        const res = await getCall(t, user, `history?limit=${limit}`);
        expect(res.status).toBe(400);
        expect(res.body.errors).toEqual([{ field: 'limit', message: 'limit must be a whole number from 1 to 100' }]);
      },
    );

    it.each([
      ['auth/search-users?query=john&limit=abc', 'limit must be a whole number from 1 to 50'],
      ['auth/contacts?limit=abc', 'limit must be a whole number from 1 to 500'],
    ])('answers %s with one message naming the range', async (path, message) => {
      const res = await t.request({ url: `/api/${path}`, headers: bearer(user.token) });
      expect(res.status).toBe(400);
      expect(res.body.errors).toEqual([{ field: 'limit', message }]);
    });

    it('answers a chat page ?limit=abc the same way', async () => {
      const call = await makeCall(t, user);
      const res = await getCall(t, user, `${call.id}/chat?limit=abc`);
      expect(res.status).toBe(400);
      expect(res.body.errors).toEqual([{ field: 'limit', message: 'limit must be a whole number from 1 to 100' }]);
    });

    it('answers a bad ?skip= the same way', async () => {
      const res = await getCall(t, user, 'history?skip=-1');
      expect(res.status).toBe(400);
      expect(res.body.errors).toEqual([{ field: 'skip', message: 'skip must be a whole number from 0 to 1000000' }]);
    });
  });
});
