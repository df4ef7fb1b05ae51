import { newCallId } from '../../apps/api/src/modules/calls/call-rules';
import { callAction, getCall, makeCall } from '../factories/calls';
import { bearer, makeUser } from '../factories/users';
import { useTestApp } from '../support/app';

describe('calls: who may do what', () => {
  const t = useTestApp();

  it('works without Agora credentials: token and appId are null', async () => {
    const host = await makeUser(t);
    const call = await makeCall(t, host);
    expect(call.agoraConfig).toMatchObject({ token: null, appId: null, uid: 1, channelName: call.channelName });
  });

  it('details: host, participants and invitees; others 403', async () => {
    const host = await makeUser(t);
    const [invitee, guest, stranger] = await Promise.all([makeUser(t), makeUser(t), makeUser(t)]);
    const call = await makeCall(t, host, { inviteUserIds: [invitee.id] });
    await callAction(t, guest, call.id, 'join');
    for (const user of [host, invitee, guest]) expect((await getCall(t, user, call.id)).status).toBe(200);
    const denied = await getCall(t, stranger, call.id);
    expect(denied.status).toBe(403);
    expect(denied.body.errorCode).toBe('FORBIDDEN');
  });

  it('every call route answers 404 for unknown and malformed ids', async () => {
    const user = await makeUser(t);
    for (const id of [newCallId(), '665f1c2ab3e4d5f6a7b8c9d0', 'zzz']) {
      expect((await getCall(t, user, id)).status).toBe(404);
      expect((await getCall(t, user, `${id}/token`)).status).toBe(404);
      expect((await getCall(t, user, `${id}/chat`)).status).toBe(404);
      for (const action of ['join', 'leave', 'end']) expect((await callAction(t, user, id, action)).status).toBe(404);
      expect((await callAction(t, user, id, 'respond', { response: 'accepted' })).status).toBe(404);
      expect((await callAction(t, user, id, 'invite', { userIds: [user.id] })).status).toBe(404);
      expect((await callAction(t, user, id, 'chat', { message: 'hi' })).status).toBe(404);
      const media = await t.request({
        method: 'PUT',
        url: `/api/calls/${id}/media`,
        headers: bearer(user.token),
        body: { audioEnabled: false },
      });
      expect(media.status).toBe(404);
    }
  });

  it('an upper-case spelling of an existing call id is an unknown id (404) on every route', async () => {
    const host = await makeUser(t);
    const invitee = await makeUser(t);
    const call = await makeCall(t, host, { inviteUserIds: [invitee.id] });
    const upper = call.id.toUpperCase();
    expect(upper).not.toBe(call.id);
    const details = await getCall(t, host, upper);
    expect(details.status).toBe(404);
    expect(details.body.errorCode).toBe('NOT_FOUND');
    expect((await getCall(t, host, `${upper}/token`)).status).toBe(404);
    expect((await getCall(t, host, `${upper}/chat`)).status).toBe(404);
    for (const action of ['join', 'leave']) expect((await callAction(t, host, upper, action)).status).toBe(404);
    expect((await callAction(t, invitee, upper, 'respond', { response: 'declined' })).status).toBe(404);
    expect((await callAction(t, host, upper, 'chat', { message: 'hi' })).status).toBe(404);
    const media = await t.request({
      method: 'PUT',
      url: `/api/calls/${upper}/media`,
      headers: bearer(host.token),
      body: { audioEnabled: false },
    });
    expect(media.status).toBe(404);
    expect((await callAction(t, host, upper, 'end')).status).toBe(404);
    // Nothing happened to the call under its real id.
    const real = (await getCall(t, host, call.id)).body.data.call;
    expect(real).toMatchObject({ status: 'active', joinedCount: 1 });
    expect(real.participants).toEqual([expect.objectContaining({ role: 'host', state: 'joined', audioEnabled: true })]);
    expect(real.invitations).toEqual([expect.objectContaining({ status: 'pending' })]);
  });

  it('one-to-one calls accept only the host and the invited user', async () => {
    const host = await makeUser(t);
    const [invitee, stranger] = await Promise.all([makeUser(t), makeUser(t)]);
    const call = await makeCall(t, host, { callMode: 'one-to-one', inviteUserIds: [invitee.id] });
    expect(call.maxParticipants).toBe(2);
    const denied = await callAction(t, stranger, call.id, 'join');
    expect(denied.status).toBe(403);
    expect(denied.body.errorCode).toBe('FORBIDDEN');
    expect((await callAction(t, invitee, call.id, 'join')).status).toBe(200);
  });

  it('a full call answers 409', async () => {
    const host = await makeUser(t);
    const [a, b] = await Promise.all([makeUser(t), makeUser(t)]);
    const call = await makeCall(t, host, { maxParticipants: 2 });
    expect((await callAction(t, a, call.id, 'join')).status).toBe(200);
    const full = await callAction(t, b, call.id, 'join');
    expect(full.status).toBe(409);
    expect(full.body.message).toBe('The call is full');
  });

  it('a password-protected group call: wrong or missing password 403; right password joins; invitees need none', async () => {
    const host = await makeUser(t);
    const [invitee, guest] = await Promise.all([makeUser(t), makeUser(t)]);
    const call = await makeCall(t, host, {
      settings: { requirePassword: true, password: 'open-sesame' },
      inviteUserIds: [invitee.id],
    });
    expect((await callAction(t, guest, call.id, 'join')).status).toBe(403);
    const wrong = await callAction(t, guest, call.id, 'join', { password: 'wrong-one' });
    expect(wrong.status).toBe(403);
    expect(wrong.text).not.toContain('wrong-one');
    expect((await callAction(t, guest, call.id, 'join', { password: 'open-sesame' })).status).toBe(200);
    expect((await callAction(t, invitee, call.id, 'join')).status).toBe(200);
  });

  it('ignores a password without requirePassword (the spec example) and lets anyone with the id join', async () => {
    const host = await makeUser(t);
    const guest = await makeUser(t);
    const call = await makeCall(t, host, { settings: { requirePassword: false, password: 'optional-password' } });
    expect(call.settings.requirePassword).toBe(false);
    expect((await callAction(t, guest, call.id, 'join')).status).toBe(200);
  });

  it('details, token, media, chat, invite and end refuse users who are not in the call (403)', async () => {
    const host = await makeUser(t);
    const stranger = await makeUser(t);
    const call = await makeCall(t, host);
    const details = await getCall(t, stranger, call.id);
    expect(details.status).toBe(403);
    expect(details.body.errorCode).toBe('FORBIDDEN');
    const end = await callAction(t, stranger, call.id, 'end');
    expect(end.status).toBe(403);
    expect(end.body.errorCode).toBe('FORBIDDEN');
    expect((await getCall(t, host, call.id)).body.data.call.status).toBe('active');
    expect((await getCall(t, stranger, `${call.id}/token`)).status).toBe(403);
    expect((await getCall(t, stranger, `${call.id}/chat`)).status).toBe(403);
    expect((await callAction(t, stranger, call.id, 'chat', { message: 'hi' })).status).toBe(403);
    expect((await callAction(t, stranger, call.id, 'invite', { userIds: [host.id] })).status).toBe(403);
    const media = await t.request({
      method: 'PUT',
      url: `/api/calls/${call.id}/media`,
      headers: bearer(stranger.token),
      body: { audioEnabled: false },
    });
    expect(media.status).toBe(403);
  });

  it('routes need a token (401)', async () => {
    expect((await t.request({ url: '/api/calls/active' })).status).toBe(401);
    expect((await t.request({ method: 'POST', url: '/api/calls', body: {} })).status).toBe(401);
  });
});
