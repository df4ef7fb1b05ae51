import { callAction, getCall, makeCall } from '../factories/calls';
import { bearer, makeUser, RegisteredUser } from '../factories/users';
import { RecordedEvent, recordEvents, useTestApp } from '../support/app';

describe('calls: media state and chat', () => {
  const t = useTestApp();
  let events: RecordedEvent[];

  beforeAll(async () => {
    events = recordEvents(t);
  });

  const media = (user: RegisteredUser, callId: string, body: unknown) =>
    t.request({ method: 'PUT', url: `/api/calls/${callId}/media`, headers: bearer(user.token), body });

  it('PUT /:id/media sets the caller’s own flags and publishes call.media.updated', async () => {
    const host = await makeUser(t);
    const guest = await makeUser(t);
    const call = await makeCall(t, host);
    await callAction(t, guest, call.id, 'join');
    const res = await media(guest, call.id, { audioEnabled: false, screenSharing: true });
    expect(res.status).toBe(200);
    expect(res.body.data.participant).toMatchObject({
      user: { id: guest.id },
      audioEnabled: false,
      videoEnabled: true,
      screenSharing: true,
    });
    const hostView = (await getCall(t, host, call.id)).body.data.call.participants.find(
      (p: { user: { id: string } }) => p.user.id === host.id,
    );
    expect(hostView).toMatchObject({ audioEnabled: true, screenSharing: false });
    expect(events.find((e) => e.name === 'call.media.updated' && e.payload.callId === call.id)?.payload).toMatchObject({
      userId: guest.id,
      audioEnabled: false,
      screenSharing: true,
      agoraUid: 2,
    });
  });

  it('media: screen sharing refused (403) when the call does not allow it; bad values 400; after leaving 403', async () => {
    const host = await makeUser(t);
    const call = await makeCall(t, host, { settings: { allowScreenShare: false } });
    const denied = await media(host, call.id, { screenSharing: true });
    expect(denied.status).toBe(403);
    expect(denied.body.errorCode).toBe('FORBIDDEN');
    expect((await media(host, call.id, { audioEnabled: 'yes' })).status).toBe(400);
    expect((await media(host, call.id, {})).status).toBe(400);
    expect((await media(host, call.id, { videoEnabled: false })).status).toBe(200);
    const guest = await makeUser(t);
    await callAction(t, guest, call.id, 'join');
    await callAction(t, guest, call.id, 'leave');
    expect((await media(guest, call.id, { audioEnabled: true })).status).toBe(403);
  });

  it('POST /:id/chat stores a trimmed message (201) and publishes call.chat.message', async () => {
    const host = await makeUser(t);
    const call = await makeCall(t, host);
    const res = await callAction(t, host, call.id, 'chat', { message: '  Hello everyone!  ', messageType: 'text' });
    expect(res.status).toBe(201);
    expect(res.body.data.message).toMatchObject({
      id: expect.stringMatching(/^[0-9a-f]{24}$/),
      callId: call.id,
      sender: { id: host.id, firstName: host.firstName, lastName: host.lastName },
      message: 'Hello everyone!',
      messageType: 'text',
      createdAt: expect.any(String),
    });
    expect(res.text).not.toMatch(/"__v"|"_id"/);
    expect(events.find((e) => e.name === 'call.chat.message' && e.payload.callId === call.id)?.payload).toMatchObject({
      senderId: host.id,
      message: 'Hello everyone!',
      messageId: res.body.data.message.id,
    });
  });

  it.each([
    ['message', { message: '   ' }],
    ['message', { message: 'x'.repeat(2001) }],
    ['messageType', { message: 'hi', messageType: 'system' }],
    ['messageType', { message: 'hi', messageType: 'html' }],
  ])('chat refuses a bad %s with 400', async (field, body) => {
    const host = await makeUser(t);
    const call = await makeCall(t, host);
    const res = await callAction(t, host, call.id, 'chat', body);
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
  });

  it('chat is refused (403) when the call disables it, and (409) once the call has ended', async () => {
    const host = await makeUser(t);
    const quiet = await makeCall(t, host, { settings: { allowChat: false } });
    expect((await callAction(t, host, quiet.id, 'chat', { message: 'hi' })).status).toBe(403);
    const call = await makeCall(t, host);
    await callAction(t, host, call.id, 'end');
    expect((await callAction(t, host, call.id, 'chat', { message: 'hi' })).status).toBe(409);
  });

  it('GET /:id/chat lists newest first and pages backwards with before', async () => {
    const host = await makeUser(t);
    const guest = await makeUser(t);
    const call = await makeCall(t, host);
    await callAction(t, guest, call.id, 'join');
    for (let i = 1; i <= 5; i += 1) {
      const sender = i % 2 ? host : guest;
      const message = i === 5 ? '👍' : `m${i}`;
      const sent = await callAction(t, sender, call.id, 'chat', { message, messageType: i === 5 ? 'emoji' : 'text' });
      expect(sent.status).toBe(201);
      await new Promise((resolve) => setTimeout(resolve, 3));
    }
    const first = await getCall(t, guest, `${call.id}/chat?limit=2`);
    expect(first.status).toBe(200);
    expect(first.body.data.messages.map((m: { message: string }) => m.message)).toEqual(['👍', 'm4']);
    expect(first.body.data.limit).toBe(2);
    const before = first.body.data.nextBefore;
    expect(before).toBe(first.body.data.messages[1].createdAt);
    const second = await getCall(t, guest, `${call.id}/chat?limit=2&before=${encodeURIComponent(before)}`);
    expect(second.body.data.messages.map((m: { message: string }) => m.message)).toEqual(['m3', 'm2']);
    const all = await getCall(t, host, `${call.id}/chat`);
    expect(all.body.data).toMatchObject({ limit: 50, nextBefore: null });
    expect(all.body.data.messages).toHaveLength(5);
    for (const q of ['limit=0', 'limit=101', 'before=yesterday']) {
      expect((await getCall(t, host, `${call.id}/chat?${q}`)).status).toBe(400);
    }
  });
});
