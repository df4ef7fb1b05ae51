import { Connection } from 'mongoose';
import { CallsHousekeeping } from '../../apps/api/src/modules/calls/calls.housekeeping';
import { callAction, getCall, makeCall } from '../factories/calls';
import { bearer, makeUser, RegisteredUser } from '../factories/users';
import { useTestApp } from '../support/app';

const CALL_ID = /^[A-Za-z0-9_-]{22}$/;
const MAX_FAILURES = 3;
const PASSWORD = 'open-sesame';

/** Length of the common prefix of two strings. */
const sharedPrefix = (a: string, b: string) => {
  let i = 0;
  while (i < a.length && a[i] === b[i]) i += 1;
  return i;
};

describe('call ids and call passwords resist guessing', () => {
  const t = useTestApp({ env: { CALL_PASSWORD_MAX_FAILURES: String(MAX_FAILURES) } });
  let db: Connection;

  beforeAll(async () => {
    db = await t.db();
  });

  const protectedCall = (host: RegisteredUser) =>
    makeCall(t, host, { settings: { requirePassword: true, password: PASSWORD } });
  const join = (user: RegisteredUser, callId: string, password?: string) =>
    callAction(t, user, callId, 'join', password === undefined ? {} : { password });

  it('gives each call an id of 128 random bits in base64url that is the stored _id itself', async () => {
    const host = await makeUser(t);
    const ids: string[] = [];
    for (let i = 0; i < 12; i += 1) ids.push((await makeCall(t, host)).id);
    for (const id of ids) expect(id).toMatch(CALL_ID);
    expect(new Set(ids).size).toBe(ids.length);
    // Consecutive ObjectIds of one process share 8+ leading hex digits; random ids share almost none.
    for (let i = 1; i < ids.length; i += 1) expect(sharedPrefix(ids[i - 1], ids[i])).toBeLessThan(4);

    const stored = await db.collection('calls').findOne({ _id: ids[0] as never });
    expect(stored).not.toBeNull();
    expect(stored!.channelName).toEqual(expect.stringMatching(/^vc_[0-9a-f]{32}$/));
    const participant = await db.collection('call_participants').findOne({ callId: ids[0] });
    expect(participant).toMatchObject({ _id: `${ids[0]}:${host.id}`, callId: ids[0] });
  });

  it('answers 404 for a well-formed id nobody was given, and another spelling of a real id is unknown', async () => {
    const [host, stranger] = [await makeUser(t), await makeUser(t)];
    const call = await makeCall(t, host);
    const swapped = call.id.replace(/[A-Za-z]/, (c: string) =>
      c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase(),
    );
    for (const id of [swapped, 'A'.repeat(22)]) {
      expect((await getCall(t, stranger, id)).status).toBe(404);
      expect((await join(stranger, id)).status).toBe(404);
    }
  });

  it(`refuses joins of a password call with 429 after ${MAX_FAILURES} wrong passwords, even with the right one`, async () => {
    const [host, guesser, guest] = [await makeUser(t), await makeUser(t), await makeUser(t)];
    const call = await protectedCall(host);
    for (let i = 0; i < MAX_FAILURES; i += 1) {
      const wrong = await join(guesser, call.id, `guess-${i}`);
      expect(wrong.status).toBe(403);
      expect(wrong.body.errorCode).toBe('FORBIDDEN');
    }
    for (const password of ['guess-x', PASSWORD]) {
      const blocked = await join(guesser, call.id, password);
      expect(blocked.status).toBe(429);
      expect(blocked.body).toMatchObject({ success: false, errorCode: 'TOO_MANY_REQUESTS' });
      const retryAfter = Number(blocked.headers['retry-after']);
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(t.config.calls.passwordFailures.windowSeconds);
    }
    // The count is per user and call: a rightful guest still gets in, and the guesser is not
    // blocked from another password call.
    expect((await join(guest, call.id, PASSWORD)).status).toBe(200);
    const other = await protectedCall(host);
    expect((await join(guesser, other.id, PASSWORD)).status).toBe(200);
  });

  it('does not count a missing password or a right one, and housekeeping forgets windows that passed', async () => {
    const [host, user] = [await makeUser(t), await makeUser(t)];
    const call = await protectedCall(host);
    for (let i = 0; i < MAX_FAILURES + 1; i += 1) expect((await join(user, call.id)).status).toBe(403);
    for (let i = 0; i < MAX_FAILURES - 1; i += 1) expect((await join(user, call.id, 'nope')).status).toBe(403);
    expect((await join(user, call.id, PASSWORD)).status).toBe(200);

    const failures = db.collection('call_password_failures');
    expect(await failures.findOne({ _id: `${call.id}:${user.id}` as never })).toMatchObject({
      failures: MAX_FAILURES - 1,
    });
    const windowEnd = Date.now() + t.config.calls.passwordFailures.windowSeconds * 1000;
    await t.app.get(CallsHousekeeping).sweep(new Date(windowEnd + 1000));
    expect(await failures.findOne({ _id: `${call.id}:${user.id}` as never })).toBeNull();
  });

  it('refuses a call password over 72 bytes at creation (bcrypt would compare only its start)', async () => {
    const host = await makeUser(t);
    const res = await t.request({
      method: 'POST',
      url: '/api/calls',
      headers: bearer(host.token),
      body: {
        callType: 'video',
        callMode: 'group',
        title: 'Wide',
        settings: { requirePassword: true, password: '🔑'.repeat(19) },
      },
    });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ field: 'settings.password', message: 'password must be at most 72 bytes' }]);
  });

  it('counts every one of concurrent wrong guesses', async () => {
    const [host, guesser] = [await makeUser(t), await makeUser(t)];
    const call = await protectedCall(host);
    const answers = await Promise.all(
      Array.from({ length: MAX_FAILURES + 3 }, (_, i) => join(guesser, call.id, `race-${i}`)),
    );
    // Checks and counts race each other, so a few of the burst may be answered 403 before the
    // count is reached; what must hold is that every wrong guess was counted.
    expect(answers.every((a) => a.status === 403 || a.status === 429)).toBe(true);
    const stored = await db.collection('call_password_failures').findOne({ _id: `${call.id}:${guesser.id}` as never });
    expect(stored?.failures).toBe(answers.filter((a) => a.status === 403).length);
    expect((await join(guesser, call.id, PASSWORD)).status).toBe(429);
  });
});
