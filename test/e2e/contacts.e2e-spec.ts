import { randomBytes } from 'node:crypto';
import { Connection, Types } from 'mongoose';
import { bearer, makeUser, RegisteredUser } from '../factories/users';
import { useTestApp } from '../support/app';

const FORBIDDEN_KEYS = /passwordHash|tokenVersion|accountStatus|"__v"|"_id"|ownerId|contactId"/;

describe('contacts', () => {
  const t = useTestApp();
  let db: Connection;

  beforeAll(async () => {
    db = await t.db();
  });

  const user = () => makeUser(t, { firstName: `Cf${randomBytes(4).toString('hex')}` });
  const list = (owner: RegisteredUser, query = '') =>
    t.request({ url: `/api/auth/contacts${query}`, headers: bearer(owner.token) });
  const add = (owner: RegisteredUser, contactUserId: unknown) =>
    t.request({ method: 'POST', url: '/api/auth/contacts', body: { contactUserId }, headers: bearer(owner.token) });
  const remove = (owner: RegisteredUser, contactUserId: string) =>
    t.request({ method: 'DELETE', url: `/api/auth/contacts/${contactUserId}`, headers: bearer(owner.token) });
  const setAccountStatus = (u: RegisteredUser, accountStatus: string) =>
    db.collection('users').updateOne({ _id: new Types.ObjectId(u.id) }, { $set: { accountStatus } });
  const documents = (owner: RegisteredUser, contact: RegisteredUser) =>
    db
      .collection('contacts')
      .countDocuments({ ownerId: new Types.ObjectId(owner.id), contactId: new Types.ObjectId(contact.id) });

  it('adds a contact (201) and returns the public user with addedAt, email hidden, nothing internal', async () => {
    const [owner, other] = [await user(), await user()];
    const res = await add(owner, other.id);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      success: true,
      message: 'Contact added successfully',
      data: {
        contact: {
          id: other.id,
          firstName: other.firstName,
          lastName: other.lastName,
          email: null,
          avatar: null,
          status: 'offline',
          lastSeenAt: null,
          addedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        },
      },
    });
    expect(Object.keys(res.body.data.contact).sort()).toEqual(
      ['addedAt', 'avatar', 'email', 'firstName', 'id', 'lastName', 'lastSeenAt', 'status'].sort(),
    );
    expect(res.text).not.toMatch(FORBIDDEN_KEYS);
    expect(res.text).not.toContain(other.email);
    expect(await documents(owner, other)).toBe(1);
  });

  it('shows the email of a contact who has you in their own list, in the add answer and the list', async () => {
    const [owner, mutual, oneWay] = [await user(), await user(), await user()];
    expect((await add(mutual, owner.id)).status).toBe(201);
    const added = await add(owner, mutual.id);
    expect(added.status).toBe(201);
    expect(added.body.data.contact).toMatchObject({ id: mutual.id, email: mutual.email });
    expect((await add(owner, oneWay.id)).status).toBe(201);
    const res = await list(owner);
    expect(res.status).toBe(200);
    const emails = Object.fromEntries(
      res.body.data.contacts.map((c: { id: string; email: string | null }) => [c.id, c.email]),
    );
    expect(emails).toEqual({ [mutual.id]: mutual.email, [oneWay.id]: null });
    expect(res.text).not.toContain(oneWay.email);
    // The other side sees the owner's email: the owner added them.
    const back = await list(mutual);
    expect(back.body.data.contacts).toEqual([expect.objectContaining({ id: owner.id, email: owner.email })]);
  });

  it('a name found by search does not turn into an email by adding it as a contact', async () => {
    const [me, target] = [await user(), await user()];
    const found = await t.request({
      url: `/api/auth/search-users?query=${encodeURIComponent(target.firstName)}`,
      headers: bearer(me.token),
    });
    expect(found.body.data.users).toEqual([expect.objectContaining({ id: target.id, email: null })]);
    const added = await add(me, target.id);
    expect(added.status).toBe(201);
    expect(added.body.data.contact.email).toBeNull();
    const listed = await list(me);
    expect(listed.body.data.contacts).toEqual([expect.objectContaining({ id: target.id, email: null })]);
    for (const res of [found, added, listed]) expect(res.text).not.toContain(target.email);
  });

  it('hides the email again once the contact removes you from their list', async () => {
    const [owner, other] = [await user(), await user()];
    await add(other, owner.id);
    await add(owner, other.id);
    expect((await list(owner)).body.data.contacts[0].email).toBe(other.email);
    expect((await remove(other, owner.id)).status).toBe(200);
    expect((await list(owner)).body.data.contacts[0]).toMatchObject({ id: other.id, email: null });
  });

  it('lists contacts newest first with total, limit and skip, nothing internal', async () => {
    const owner = await user();
    const contacts = [await user(), await user(), await user()];
    for (const c of contacts) {
      expect((await add(owner, c.id)).status).toBe(201);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const res = await list(owner);
    expect(res.status).toBe(200);
    expect(res.body.message).toBe('Contacts retrieved successfully');
    expect(res.body.data).toMatchObject({ total: 3, limit: 100, skip: 0 });
    expect(res.body.data.contacts.map((c: { id: string }) => c.id)).toEqual(contacts.map((c) => c.id).reverse());
    expect(res.body.data.contacts[0]).toMatchObject({ email: null, status: 'offline' });
    expect(res.text).not.toMatch(FORBIDDEN_KEYS);
  });

  it('pages the list with limit and skip', async () => {
    const owner = await user();
    const contacts = [await user(), await user(), await user()];
    for (const c of contacts) {
      await add(owner, c.id);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const res = await list(owner, '?limit=2&skip=1');
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ total: 3, limit: 2, skip: 1 });
    expect(res.body.data.contacts.map((c: { id: string }) => c.id)).toEqual([contacts[1].id, contacts[0].id]);
  });

  it.each(['?limit=0', '?limit=501', '?limit=abc', '?skip=-1', '?skip=1.5', '?skip=1e20', '?other=1'])(
    'refuses list parameters %s with 400',
    async (query) => {
      const owner = await user();
      const res = await list(owner, query);
      expect(res.status).toBe(400);
      expect(res.body.errorCode).toBe('BAD_REQUEST');
    },
  );

  it('an empty list is { contacts: [], total: 0 }', async () => {
    const res = await list(await user());
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ contacts: [], total: 0, limit: 100, skip: 0 });
  });

  // The chosen status shows only while the contact has a live socket: realtime-presence.e2e-spec.ts.
  it('shows a contact without a live socket as offline, whatever status they chose', async () => {
    const [owner, other] = [await user(), await user()];
    await add(owner, other.id);
    for (const status of ['online', 'busy', 'away']) {
      const put = await t.request({
        method: 'PUT',
        url: '/api/auth/status',
        body: { status },
        headers: bearer(other.token),
      });
      expect(put.status).toBe(200);
      const [contact] = (await list(owner)).body.data.contacts;
      expect(contact).toMatchObject({ id: other.id, status: 'offline', lastSeenAt: expect.any(String) });
    }
  });

  it('is one-directional and private: B does not see A, nor A’s list', async () => {
    const [a, b, c] = [await user(), await user(), await user()];
    await add(a, b.id);
    await add(a, c.id);
    expect((await list(b)).body.data).toMatchObject({ contacts: [], total: 0 });
    expect((await add(b, a.id)).status).toBe(201);
    expect((await list(b)).body.data.contacts.map((x: { id: string }) => x.id)).toEqual([a.id]);
    expect((await list(a)).body.data.total).toBe(2);
    // B cannot remove from A's list: B's own list has no C.
    expect((await remove(b, c.id)).status).toBe(404);
    expect((await list(a)).body.data.total).toBe(2);
  });

  it('refuses adding yourself (400), also with an upper-case id', async () => {
    const owner = await user();
    for (const id of [owner.id, owner.id.toUpperCase()]) {
      const res = await add(owner, id);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ errorCode: 'BAD_REQUEST', message: 'You cannot add yourself as a contact' });
    }
    expect((await list(owner)).body.data.total).toBe(0);
  });

  it.each([['not-an-id'], ['123'], [12345], [null], [{ $ne: null }]])(
    'refuses a malformed contactUserId %p (400)',
    async (contactUserId) => {
      const res = await add(await user(), contactUserId);
      expect(res.status).toBe(400);
      expect(res.body.errors[0]).toMatchObject({ field: 'contactUserId' });
    },
  );

  it('refuses a body without contactUserId or with extra fields (400)', async () => {
    const owner = await user();
    const other = await user();
    const missing = await t.request({
      method: 'POST',
      url: '/api/auth/contacts',
      body: {},
      headers: bearer(owner.token),
    });
    expect(missing.status).toBe(400);
    const extra = await t.request({
      method: 'POST',
      url: '/api/auth/contacts',
      body: { contactUserId: other.id, ownerId: other.id },
      headers: bearer(owner.token),
    });
    expect(extra.status).toBe(400);
  });

  it('refuses an unknown user (404 NOT_FOUND)', async () => {
    const res = await add(await user(), new Types.ObjectId().toHexString());
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ errorCode: 'NOT_FOUND', message: 'User not found' });
  });

  it('refuses a deleted or suspended user (404 NOT_FOUND)', async () => {
    const owner = await user();
    const [deleted, suspended] = [await user(), await user()];
    await setAccountStatus(deleted, 'deleted');
    await setAccountStatus(suspended, 'suspended');
    for (const u of [deleted, suspended]) {
      const res = await add(owner, u.id);
      expect(res.status).toBe(404);
      expect(res.body.errorCode).toBe('NOT_FOUND');
    }
    expect(await db.collection('contacts').countDocuments({ ownerId: new Types.ObjectId(owner.id) })).toBe(0);
  });

  it('hides contacts whose account was deleted, keeps suspended ones', async () => {
    const owner = await user();
    const [kept, deleted, suspended] = [await user(), await user(), await user()];
    for (const c of [kept, deleted, suspended]) await add(owner, c.id);
    await setAccountStatus(deleted, 'deleted');
    await setAccountStatus(suspended, 'suspended');
    const res = await list(owner);
    expect(res.body.data.total).toBe(2);
    expect(res.body.data.contacts.map((c: { id: string }) => c.id).sort()).toEqual([kept.id, suspended.id].sort());
    expect(res.text).not.toMatch(FORBIDDEN_KEYS);
  });

  it('refuses a duplicate add (409 CONFLICT)', async () => {
    const [owner, other] = [await user(), await user()];
    expect((await add(owner, other.id)).status).toBe(201);
    const res = await add(owner, other.id);
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ errorCode: 'CONFLICT', message: 'This user is already in your contacts' });
    expect(await documents(owner, other)).toBe(1);
  });

  it('5 concurrent adds of the same contact: one 201, four 409, one document', async () => {
    const [owner, other] = [await user(), await user()];
    const results = await Promise.all(Array.from({ length: 5 }, () => add(owner, other.id)));
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([201, 409, 409, 409, 409]);
    for (const r of results.filter((x) => x.status === 409)) {
      expect(r.body).toMatchObject({ errorCode: 'CONFLICT', message: 'This user is already in your contacts' });
    }
    expect(await documents(owner, other)).toBe(1);
    expect((await list(owner)).body.data.total).toBe(1);
  });

  it('removes a contact (200); it can be added again', async () => {
    const [owner, other] = [await user(), await user()];
    await add(owner, other.id);
    const res = await remove(owner, other.id);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ message: 'Contact removed successfully', data: { contactUserId: other.id } });
    expect((await list(owner)).body.data).toMatchObject({ contacts: [], total: 0 });
    expect(await documents(owner, other)).toBe(0);
    expect((await add(owner, other.id)).status).toBe(201);
  });

  it('refuses removing a user who is not a contact (404), twice in a row too', async () => {
    const [owner, other] = [await user(), await user()];
    const never = await remove(owner, other.id);
    expect(never.status).toBe(404);
    expect(never.body).toMatchObject({ errorCode: 'NOT_FOUND', message: 'This user is not in your contacts' });
    await add(owner, other.id);
    expect((await remove(owner, other.id)).status).toBe(200);
    expect((await remove(owner, other.id)).status).toBe(404);
  });

  it('refuses removing with a malformed id (400)', async () => {
    const res = await remove(await user(), 'not-an-id');
    expect(res.status).toBe(400);
    expect(res.body.errors[0]).toMatchObject({ field: 'contactUserId' });
  });

  it.each([
    ['GET', '/api/auth/contacts'],
    ['POST', '/api/auth/contacts'],
    ['DELETE', `/api/auth/contacts/${new Types.ObjectId().toHexString()}`],
  ] as const)('%s %s needs authentication (401)', async (method, url) => {
    const res = await t.request({ method, url, body: method === 'POST' ? { contactUserId: 'x' } : undefined });
    expect(res.status).toBe(401);
    expect(res.body.errorCode).toBe('UNAUTHORIZED');
  });

  it('documents the endpoints in Swagger with the Contacts tag and bearer auth', async () => {
    const { paths } = (await t.request({ url: '/api/docs-json' })).body;
    const operations = [
      paths['/api/auth/contacts'].get,
      paths['/api/auth/contacts'].post,
      paths['/api/auth/contacts/{contactUserId}'].delete,
    ];
    for (const operation of operations) {
      expect(operation).toMatchObject({ tags: ['Contacts'], summary: expect.any(String), security: [{ bearer: [] }] });
    }
    expect(paths['/api/auth/search-users'].get.summary).toEqual(expect.any(String));
    expect(paths['/api/auth/search-users'].get.parameters.map((p: { name: string }) => p.name).sort()).toEqual([
      'limit',
      'query',
    ]);
  });
});
