import { callAction, getCall, makeCall } from '../factories/calls';
import { makeUser } from '../factories/users';
import { RecordedEvent, recordEvents, useTestApp } from '../support/app';

describe('calls: invitations', () => {
  const t = useTestApp();
  let events: RecordedEvent[];

  beforeAll(async () => {
    events = recordEvents(t);
  });

  it('POST /:id/invite invites new users and skips those already invited or in the call', async () => {
    const host = await makeUser(t);
    const [a, b, guest] = await Promise.all([makeUser(t), makeUser(t), makeUser(t)]);
    const call = await makeCall(t, host, { inviteUserIds: [a.id] });
    await callAction(t, guest, call.id, 'join');
    const res = await callAction(t, guest, call.id, 'invite', { userIds: [a.id, b.id, host.id, guest.id] });
    expect(res.status).toBe(200);
    expect(res.body.data.invitations).toEqual([
      expect.objectContaining({ user: expect.objectContaining({ id: b.id }), status: 'pending', invitedBy: guest.id }),
    ]);
    expect(res.body.data.skipped.sort()).toEqual([a.id, host.id, guest.id].sort());
    expect(events.find((e) => e.name === 'call.invited' && e.payload.invitedBy === guest.id)?.payload).toMatchObject({
      callId: call.id,
      inviteeIds: [b.id],
      channelName: call.channelName,
    });
  });

  it('invite: 400 for bad ids, 404 for unknown users, 409 for an ended call or a second one-to-one invitee', async () => {
    const host = await makeUser(t);
    const [a, b] = await Promise.all([makeUser(t), makeUser(t)]);
    const call = await makeCall(t, host);
    expect((await callAction(t, host, call.id, 'invite', { userIds: [] })).status).toBe(400);
    expect((await callAction(t, host, call.id, 'invite', { userIds: ['x'] })).status).toBe(400);
    expect((await callAction(t, host, call.id, 'invite', { userIds: [a.id, a.id] })).status).toBe(400);
    expect((await callAction(t, host, call.id, 'invite', { userIds: ['665f1c2ab3e4d5f6a7b8c9d0'] })).status).toBe(404);
    const oneToOne = await makeCall(t, host, { callMode: 'one-to-one', inviteUserIds: [a.id] });
    expect((await callAction(t, host, oneToOne.id, 'invite', { userIds: [b.id] })).status).toBe(409);
    await callAction(t, host, call.id, 'end');
    expect((await callAction(t, host, call.id, 'invite', { userIds: [b.id] })).status).toBe(409);
  });

  it('5 concurrent invites of different users to a one-to-one call: exactly one invitation', async () => {
    const host = await makeUser(t);
    const users = await Promise.all(Array.from({ length: 5 }, () => makeUser(t)));
    const call = await makeCall(t, host, { callMode: 'one-to-one' });
    const results = await Promise.all(users.map((u) => callAction(t, host, call.id, 'invite', { userIds: [u.id] })));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.filter((r) => r.status === 409)).toHaveLength(4);
    const winner = results.find((r) => r.status === 200)!.body.data.invitations;
    expect(winner).toHaveLength(1);
    const details = (await getCall(t, host, call.id)).body.data.call;
    expect(details.invitations).toHaveLength(1);
    expect(details.invitations[0].user.id).toBe(winner[0].user.id);
    // The slot stays taken: a later invite of someone else is refused, of the invitee skipped.
    const other = users.find((u) => u.id !== winner[0].user.id)!;
    expect((await callAction(t, host, call.id, 'invite', { userIds: [other.id] })).status).toBe(409);
    const again = await callAction(t, host, call.id, 'invite', { userIds: [winner[0].user.id] });
    expect(again.status).toBe(200);
    expect(again.body.data).toEqual({ invitations: [], skipped: [winner[0].user.id] });
  });

  it('concurrent invites of the same user to a one-to-one call: one invitation', async () => {
    const host = await makeUser(t);
    const invitee = await makeUser(t);
    const call = await makeCall(t, host, { callMode: 'one-to-one' });
    const results = await Promise.all(
      Array.from({ length: 5 }, () => callAction(t, host, call.id, 'invite', { userIds: [invitee.id] })),
    );
    // A loser that reads before the winner's invitation is stored cannot tell it is the same
    // user: it answers 409; one that reads after it answers 200 with the user skipped.
    for (const r of results) expect([200, 409]).toContain(r.status);
    const ok = results.filter((r) => r.status === 200);
    expect(ok.flatMap((r) => r.body.data.invitations)).toHaveLength(1);
    expect((await getCall(t, host, call.id)).body.data.call.invitations).toHaveLength(1);
  });

  it('respond: the invitee answers once (second answer 409); others 403', async () => {
    const host = await makeUser(t);
    const [invitee, stranger] = await Promise.all([makeUser(t), makeUser(t)]);
    const call = await makeCall(t, host, { inviteUserIds: [invitee.id] });
    const res = await callAction(t, invitee, call.id, 'respond', { response: 'accepted' });
    expect(res.status).toBe(200);
    expect(res.body.data.invitation).toMatchObject({ status: 'accepted', respondedAt: expect.any(String) });
    expect(events.find((e) => e.name === 'call.invitation.responded' && e.payload.callId === call.id)?.payload).toEqual(
      {
        callId: call.id,
        channelName: call.channelName,
        userId: invitee.id,
        response: 'accepted',
        hostId: host.id,
      },
    );
    const twice = await callAction(t, invitee, call.id, 'respond', { response: 'declined' });
    expect(twice.status).toBe(409);
    expect(twice.body.errorCode).toBe('CONFLICT');
    expect((await callAction(t, stranger, call.id, 'respond', { response: 'accepted' })).status).toBe(403);
    expect((await callAction(t, invitee, call.id, 'respond', { response: 'maybe' })).status).toBe(400);
  });

  it('racing answers to one invitation: exactly one wins', async () => {
    const host = await makeUser(t);
    const invitee = await makeUser(t);
    const call = await makeCall(t, host, { inviteUserIds: [invitee.id] });
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        callAction(t, invitee, call.id, 'respond', { response: i % 2 ? 'accepted' : 'declined' }),
      ),
    );
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.filter((r) => r.status === 409)).toHaveLength(7);
  });

  it('declining a one-to-one call nobody but the host joined ends it with reason declined', async () => {
    const host = await makeUser(t);
    const invitee = await makeUser(t);
    const call = await makeCall(t, host, { callMode: 'one-to-one', inviteUserIds: [invitee.id] });
    const res = await callAction(t, invitee, call.id, 'respond', { response: 'declined' });
    expect(res.status).toBe(200);
    expect(res.body.data.call).toMatchObject({ status: 'ended', endReason: 'declined' });
    expect(events.find((e) => e.name === 'call.ended' && e.payload.callId === call.id)?.payload).toMatchObject({
      reason: 'declined',
      endedBy: invitee.id,
    });
  });

  it('declining a group call leaves it running; joining accepts a pending invitation; ending marks others missed', async () => {
    const host = await makeUser(t);
    const [a, b, c] = await Promise.all([makeUser(t), makeUser(t), makeUser(t)]);
    const call = await makeCall(t, host, { inviteUserIds: [a.id, b.id, c.id] });
    await callAction(t, a, call.id, 'respond', { response: 'declined' });
    await callAction(t, b, call.id, 'join');
    const details = (await getCall(t, host, call.id)).body.data.call;
    expect(details.status).toBe('active');
    const status = (id: string, call: { invitations: { user: { id: string }; status: string }[] }) =>
      call.invitations.find((i) => i.user.id === id)?.status;
    expect(status(a.id, details)).toBe('declined');
    expect(status(b.id, details)).toBe('accepted');
    const ended = (await callAction(t, host, call.id, 'end')).body.data.call;
    expect(status(c.id, ended)).toBe('missed');
    expect((await callAction(t, c, call.id, 'respond', { response: 'accepted' })).status).toBe(409);
  });
});
