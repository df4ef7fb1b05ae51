import { callAction, getCall, makeCall } from '../factories/calls';
import { makeUser } from '../factories/users';
import { startTestApp, TestApp } from '../support/app';

describe('calls: the participant limit under concurrent joins', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('20 users racing for the 4 free seats of a 5-seat call: 4 join, 16 get 409, 5 joined', async () => {
    const host = await makeUser(t);
    const racers = await Promise.all(Array.from({ length: 20 }, () => makeUser(t)));
    const call = await makeCall(t, host, { maxParticipants: 5 });

    const results = await Promise.all(racers.map((user) => callAction(t, user, call.id, 'join')));
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(4);
    expect(statuses.filter((s) => s === 409)).toHaveLength(16);
    expect(results.filter((r) => r.status === 409).every((r) => r.body.errorCode === 'CONFLICT')).toBe(true);

    const details = (await getCall(t, host, call.id)).body.data.call;
    expect(details.joinedCount).toBe(5);
    const joined = details.participants.filter((p: { state: string }) => p.state === 'joined');
    expect(joined).toHaveLength(5);
    const uids = joined.map((p: { agoraUid: number }) => p.agoraUid);
    expect(new Set(uids).size).toBe(5);
    expect(uids.every((uid: number) => Number.isInteger(uid) && uid > 0)).toBe(true);
  });

  it('the host among 20 racers on a 5-seat call: 5 joined (the host idempotently), 15 get 409', async () => {
    const host = await makeUser(t);
    const others = await Promise.all(Array.from({ length: 19 }, () => makeUser(t)));
    const call = await makeCall(t, host, { maxParticipants: 5 });

    const racers = [...others.slice(0, 10), host, ...others.slice(10)];
    const results = await Promise.all(racers.map((user) => callAction(t, user, call.id, 'join')));
    expect(results.filter((r) => r.status === 200)).toHaveLength(5);
    expect(results.filter((r) => r.status === 409)).toHaveLength(15);
    expect(results[10].status).toBe(200);
    expect(results[10].body.data.agoraToken.uid).toBe(call.agoraConfig.uid);

    const details = (await getCall(t, host, call.id)).body.data.call;
    expect(details.joinedCount).toBe(5);
    expect(details.participants.filter((p: { state: string }) => p.state === 'joined')).toHaveLength(5);
  });

  it('the same user joining 10 times at once takes one seat', async () => {
    const host = await makeUser(t);
    const guest = await makeUser(t);
    const call = await makeCall(t, host, { maxParticipants: 20 });
    const results = await Promise.all(Array.from({ length: 10 }, () => callAction(t, guest, call.id, 'join')));
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect(new Set(results.map((r) => r.body.data.agoraToken.uid)).size).toBe(1);
    const details = (await getCall(t, host, call.id)).body.data.call;
    expect(details.joinedCount).toBe(2);
  });
});
