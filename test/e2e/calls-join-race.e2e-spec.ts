import { CallRepository } from '../../apps/api/src/modules/calls/repositories/call.repository';
import { ParticipantRepository } from '../../apps/api/src/modules/calls/repositories/participant.repository';
import { callAction, getCall, makeCall } from '../factories/calls';
import { makeUser } from '../factories/users';
import { useTestApp } from '../support/app';

describe('calls: the participant limit under concurrent joins', () => {
  const t = useTestApp();

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

  it('the host ends the call while joins race: nobody stays joined, the count is 0, joins get 200 or 409', async () => {
    for (let round = 0; round < 3; round += 1) {
      const host = await makeUser(t);
      const racers = await Promise.all(Array.from({ length: 12 }, () => makeUser(t)));
      const call = await makeCall(t, host, { maxParticipants: 30 });

      const joins = racers.map((user) => callAction(t, user, call.id, 'join'));
      const end = callAction(t, host, call.id, 'end');
      const more = racers.map((user) => callAction(t, user, call.id, 'join'));
      const [ended, ...results] = await Promise.all([end, ...joins, ...more]);
      expect(ended.status).toBe(200);
      for (const r of results) {
        expect([200, 409]).toContain(r.status);
        if (r.status === 409) expect(r.body.message).toBe('The call has ended');
      }

      const details = (await getCall(t, host, call.id)).body.data.call;
      expect(details).toMatchObject({ status: 'ended', endReason: 'ended-by-host', joinedCount: 0 });
      expect(details.participants.filter((p: { state: string }) => p.state === 'joined')).toEqual([]);
    }
  });

  it('a call ended between a seat claim and the participant write: the join is 409 and nobody stays joined', async () => {
    const host = await makeUser(t);
    const guest = await makeUser(t);
    const call = await makeCall(t, host);
    const repo = t.app.get(ParticipantRepository);
    const insert = repo.insertParticipant.bind(repo);
    let ended: number | undefined;
    const spy = jest.spyOn(repo, 'insertParticipant').mockImplementation(async (...args) => {
      if (args[0]._id === call.id && ended === undefined) {
        ended = (await callAction(t, host, call.id, 'end')).status;
      }
      return insert(...args);
    });
    try {
      const join = await callAction(t, guest, call.id, 'join');
      expect(ended).toBe(200);
      expect(join.status).toBe(409);
      expect(join.body.message).toBe('The call has ended');
    } finally {
      spy.mockRestore();
    }
    const details = (await getCall(t, host, call.id)).body.data.call;
    expect(details).toMatchObject({ status: 'ended', joinedCount: 0 });
    expect(details.participants.filter((p: { state: string }) => p.state === 'joined')).toEqual([]);
  });

  it('the host hands over to a participant who left meanwhile: the role moves on to a joined one', async () => {
    const host = await makeUser(t);
    const [first, second] = await Promise.all([makeUser(t), makeUser(t)]);
    const call = await makeCall(t, host);
    for (const user of [first, second]) expect((await callAction(t, user, call.id, 'join')).status).toBe(200);
    const repo = t.app.get(CallRepository);
    const changeHost = repo.changeHost.bind(repo);
    let firstLeft: number | undefined;
    const spy = jest.spyOn(repo, 'changeHost').mockImplementation(async (...args) => {
      // The earliest joiner's own leave lands after the host picked them, before the hand-over.
      if (args[0] === call.id && firstLeft === undefined) {
        firstLeft = (await callAction(t, first, call.id, 'leave')).status;
      }
      return changeHost(...args);
    });
    try {
      expect((await callAction(t, host, call.id, 'leave')).status).toBe(200);
      expect(firstLeft).toBe(200);
    } finally {
      spy.mockRestore();
    }
    const details = (await getCall(t, second, call.id)).body.data.call;
    expect(details).toMatchObject({ status: 'active', joinedCount: 1, host: { id: second.id } });
    const roles = Object.fromEntries(
      details.participants.map((p: { user: { id: string }; role: string; state: string }) => [
        p.user.id,
        `${p.role}/${p.state}`,
      ]),
    );
    expect(roles).toEqual({
      [host.id]: 'participant/left',
      [first.id]: 'participant/left',
      [second.id]: 'host/joined',
    });
  });

  it('the host and the earliest joiner leave at once: an active call keeps a joined host', async () => {
    for (let round = 0; round < 4; round += 1) {
      const host = await makeUser(t);
      const [first, second, third] = await Promise.all([makeUser(t), makeUser(t), makeUser(t)]);
      const call = await makeCall(t, host);
      for (const user of [first, second, third]) expect((await callAction(t, user, call.id, 'join')).status).toBe(200);

      const leaves = await Promise.all([host, first].map((user) => callAction(t, user, call.id, 'leave')));
      expect(leaves.map((r) => r.status)).toEqual([200, 200]);

      const details = (await getCall(t, second, call.id)).body.data.call;
      const joined = details.participants.filter((p: { state: string }) => p.state === 'joined');
      expect(details.joinedCount).toBe(joined.length);
      if (details.status === 'active') {
        const hostEntry = details.participants.find((p: { user: { id: string } }) => p.user.id === details.host.id);
        expect(hostEntry).toMatchObject({ state: 'joined', role: 'host' });
        expect(details.participants.filter((p: { role: string }) => p.role === 'host')).toHaveLength(1);
      }
      expect(details).toMatchObject({ status: 'active', joinedCount: 2, host: { id: second.id } });
    }
  });

  it('the host and the only other participant leave at once: the call ends with reason all-left', async () => {
    for (let round = 0; round < 4; round += 1) {
      const host = await makeUser(t);
      const guest = await makeUser(t);
      const call = await makeCall(t, host);
      expect((await callAction(t, guest, call.id, 'join')).status).toBe(200);
      const leaves = await Promise.all([host, guest].map((user) => callAction(t, user, call.id, 'leave')));
      expect(leaves.map((r) => r.status)).toEqual([200, 200]);
      const details = (await getCall(t, host, call.id)).body.data.call;
      expect(details).toMatchObject({ status: 'ended', endReason: 'all-left', joinedCount: 0 });
      expect(details.participants.every((p: { state: string }) => p.state === 'left')).toBe(true);
    }
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
