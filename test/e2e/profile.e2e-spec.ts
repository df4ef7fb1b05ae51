import { bearer, makeUser, RegisteredUser } from '../factories/users';
import { recordEvents, useTestApp } from '../support/app';

describe('profile and presence', () => {
  const t = useTestApp();

  const get = (user: RegisteredUser) => t.request({ url: '/api/auth/profile', headers: bearer(user.token) });
  const put = (user: RegisteredUser, url: string, body: unknown) =>
    t.request({ method: 'PUT', url, body, headers: bearer(user.token) });

  it('GET /api/auth/profile returns the spec fields, the plan and its features, nothing internal', async () => {
    const user = await makeUser(t, { phoneNumber: '+14155550123' });
    const res = await get(user);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      message: 'Profile retrieved successfully',
      data: {
        user: {
          id: user.id,
          firstName: user.firstName,
          lastName: user.lastName,
          email: user.email,
          phoneNumber: '+14155550123',
          avatar: null,
          status: 'online',
          role: 'user',
          isEmailVerified: false,
          preferences: {},
          subscription: { plan: 'free', features: expect.objectContaining({ maxParticipants: expect.any(Number) }) },
        },
      },
    });
    expect(res.text).not.toMatch(/passwordHash|tokenVersion|accountStatus|"__v"|"_id"/);
  });

  it('PUT /api/auth/profile changes the allowed fields', async () => {
    const user = await makeUser(t);
    const res = await put(user, '/api/auth/profile', {
      firstName: ' John ',
      lastName: 'Smith',
      phoneNumber: '+442071234567',
      avatar: 'https://example.com/new-avatar.jpg',
      preferences: { theme: 'dark', notifications: true, volume: 7 },
    });
    expect(res.status).toBe(200);
    expect(res.body.data.user).toMatchObject({
      firstName: 'John',
      lastName: 'Smith',
      phoneNumber: '+442071234567',
      avatar: 'https://example.com/new-avatar.jpg',
      preferences: { theme: 'dark', notifications: true, volume: 7 },
    });
    expect((await get(user)).body.data.user.lastName).toBe('Smith');
  });

  it.each([
    ['role', { role: 'admin' }],
    ['email', { email: 'new@example.com' }],
    ['isEmailVerified', { isEmailVerified: true }],
    ['subscription', { subscription: { plan: 'enterprise' } }],
    ['password', { password: 'NewPass123' }],
    ['nickname', { nickname: 'x' }],
    ['avatar', { avatar: 'javascript:alert(1)' }],
    ['avatar', { avatar: 'ftp://example.com/a.png' }],
    ['firstName', { firstName: '   ' }],
    ['firstName', { firstName: null }],
    ['avatar', { avatar: null }],
    ['preferences', { preferences: null }],
    ['phoneNumber', { phoneNumber: '12345' }],
    ['preferences', { preferences: { $where: 'x' } }],
    ['preferences', { preferences: { nested: { deep: true } } }],
    ['preferences', { preferences: ['a'] }],
  ])('refuses %s with 400 and changes nothing', async (field, body) => {
    const user = await makeUser(t);
    const res = await put(user, '/api/auth/profile', body);
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    const after = (await get(user)).body.data.user;
    expect(after).toMatchObject({ role: 'user', email: user.email, isEmailVerified: false, avatar: null });
    expect(after.subscription.plan).toBe('free');
  });

  it('PUT /api/auth/status sets presence', async () => {
    const user = await makeUser(t);
    for (const status of ['away', 'busy', 'online', 'offline']) {
      const res = await put(user, '/api/auth/status', { status });
      expect(res.status).toBe(200);
      expect(res.body.data.user.status).toBe(status);
    }
    expect((await get(user)).body.data.user.status).toBe('offline');
  });

  it('publishes each status the user chooses on the event bus for the realtime module (logout chooses none)', async () => {
    const events = recordEvents(t, 'user.presence');
    const user = await makeUser(t);
    await put(user, '/api/auth/status', { status: 'busy' });
    await put(user, '/api/auth/status', { status: 'offline' });
    await t.request({ method: 'POST', url: '/api/auth/logout', headers: bearer(user.token) });
    const mine = events.filter((e) => e.payload.userId === user.id);
    expect(mine.map((e) => [e.name, e.payload.status])).toEqual([
      ['user.presence.changed', 'busy'],
      ['user.presence.changed', 'offline'],
    ]);
    expect(mine[0].payload.at).toEqual(expect.stringMatching(/Z$/));
  });

  it('PUT /api/auth/status refuses an unknown status', async () => {
    const user = await makeUser(t);
    const res = await put(user, '/api/auth/status', { status: 'invisible' });
    expect(res.status).toBe(400);
    expect(res.body.errors[0]).toMatchObject({ field: 'status' });
  });
});
