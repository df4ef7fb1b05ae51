import { randomBytes } from 'node:crypto';
import { Connection, Types } from 'mongoose';
import { bearer, makeUser, RegisteredUser } from '../factories/users';
import { useTestApp } from '../support/app';

const FORBIDDEN_KEYS = /passwordHash|tokenVersion|accountStatus|"__v"|"_id"|"role"|phoneNumber|preferences/;

/** A name no other test's user has: letters only, as names are. */
const uniqueWord = (prefix: string) =>
  `${prefix}${[...randomBytes(6)].map((b) => String.fromCharCode(97 + (b % 26))).join('')}`;

describe('GET /api/auth/search-users', () => {
  const t = useTestApp({ env: { THROTTLE_SEARCH_LIMIT: '10000' } });
  let db: Connection;
  let caller: RegisteredUser;

  beforeAll(async () => {
    // This file searches far more than the per-user search limit allows in a minute; the limit
    // itself is tested in search-rate-limit.e2e-spec.ts.
    db = await t.db();
    caller = await makeUser(t, { firstName: uniqueWord('Caller') });
  });

  const search = (query: string | undefined, extra = '', as: RegisteredUser = caller) => {
    const params = new URLSearchParams();
    if (query !== undefined) params.set('query', query);
    return t.request({ url: `/api/auth/search-users?${params.toString()}${extra}`, headers: bearer(as.token) });
  };
  const ids = (res: { body: { data: { users: { id: string }[] } } }) => res.body.data.users.map((u) => u.id);
  const setAccountStatus = (u: RegisteredUser, accountStatus: string) =>
    db.collection('users').updateOne({ _id: new Types.ObjectId(u.id) }, { $set: { accountStatus } });
  const addContact = async (owner: RegisteredUser, contact: RegisteredUser) => {
    const res = await t.request({
      method: 'POST',
      url: '/api/auth/contacts',
      body: { contactUserId: contact.id },
      headers: bearer(owner.token),
    });
    expect(res.status).toBe(201);
  };
  const emails = (res: { body: { data: { users: { id: string; email: string | null }[] } } }) =>
    Object.fromEntries(res.body.data.users.map((u) => [u.id, u.email]));

  it('finds by first name, case-insensitively, with public fields and isContact, email hidden', async () => {
    const first = uniqueWord('Jo');
    const found = await makeUser(t, { firstName: first, lastName: 'Doe' });
    for (const query of [first, first.toUpperCase(), first.toLowerCase(), first.slice(0, 6)]) {
      const res = await search(query);
      expect(res.status).toBe(200);
      expect(ids(res)).toEqual([found.id]);
    }
    const res = await search(first);
    expect(res.body).toMatchObject({ success: true, message: 'Users retrieved successfully' });
    expect(res.body.data).toEqual({
      users: [
        {
          id: found.id,
          firstName: first,
          lastName: 'Doe',
          email: null,
          avatar: null,
          status: 'offline',
          lastSeenAt: null,
          isContact: false,
        },
      ],
      query: first,
      limit: 10,
    });
    expect(res.text).not.toMatch(FORBIDDEN_KEYS);
    expect(res.text).not.toContain(found.email);
  });

  it('finds by last name', async () => {
    const last = uniqueWord('Smith');
    const found = await makeUser(t, { lastName: last });
    expect(ids(await search(last.toLowerCase()))).toEqual([found.id]);
  });

  it('finds by full name in either order, not by a name that only half matches', async () => {
    const [first, last] = [uniqueWord('John'), uniqueWord('Doe')];
    const found = await makeUser(t, { firstName: first, lastName: last });
    await makeUser(t, { firstName: first, lastName: uniqueWord('Other') });
    expect(ids(await search(`${first} ${last}`.toLowerCase()))).toEqual([found.id]);
    expect(ids(await search(`  ${last.toUpperCase()}   ${first}  `))).toEqual([found.id]);
    expect(ids(await search(`${first} ${uniqueWord('Nobody')}`))).toEqual([]);
  });

  it('finds by the whole email address, case-insensitively, and shows that email', async () => {
    const local = uniqueWord('mail');
    const found = await makeUser(t, { email: `${local}.x@example.com` });
    for (const query of [`${local}.x@example.com`, `  ${local.toUpperCase()}.X@EXAMPLE.COM  `]) {
      const res = await search(query);
      expect(res.status).toBe(200);
      expect(ids(res)).toEqual([found.id]);
      expect(res.body.data.users[0]).toMatchObject({ id: found.id, email: found.email, isContact: false });
    }
  });

  it('never matches part of an email address', async () => {
    const local = uniqueWord('part');
    const found = await makeUser(t, { email: `${local}.x@${local}-corp.example.com` });
    const partial = [
      local,
      `${local}.x`,
      `${local}.x@`,
      `@${local}-corp.example.com`,
      `${local}-corp.example.com`,
      'example.com',
      `${local}.x@${local}-corp.example.co`,
      `x@${local}-corp.example.com`,
    ];
    for (const query of partial) {
      const res = await search(query);
      expect(res.status).toBe(200);
      expect(ids(res)).not.toContain(found.id);
      expect(res.text).not.toContain(found.email);
    }
  });

  it("shows a user's email only to someone that user added as a contact", async () => {
    const shared = uniqueWord('Vis');
    const me = await makeUser(t);
    const [stranger, addedMe, iAdded, mutual] = [
      await makeUser(t, { firstName: shared, lastName: 'Stranger' }),
      await makeUser(t, { firstName: shared, lastName: 'AddedMe' }),
      await makeUser(t, { firstName: shared, lastName: 'IAdded' }),
      await makeUser(t, { firstName: shared, lastName: 'Mutual' }),
    ];
    await addContact(addedMe, me);
    await addContact(me, iAdded);
    await addContact(me, mutual);
    await addContact(mutual, me);
    const res = await search(shared, '', me);
    expect(res.status).toBe(200);
    expect(emails(res)).toEqual({
      [stranger.id]: null,
      [addedMe.id]: addedMe.email,
      [iAdded.id]: null,
      [mutual.id]: mutual.email,
    });
    // The same people seen by someone none of them added: no email at all.
    const other = await search(shared);
    expect(Object.values(emails(other))).toEqual([null, null, null, null]);
    for (const u of [stranger, addedMe, iAdded, mutual]) expect(other.text).not.toContain(u.email);
  });

  it('stops showing the email once that user removes the searcher from their contacts', async () => {
    const shared = uniqueWord('Gone');
    const me = await makeUser(t);
    const other = await makeUser(t, { firstName: shared });
    await addContact(other, me);
    expect(emails(await search(shared, '', me))).toEqual({ [other.id]: other.email });
    const removed = await t.request({
      method: 'DELETE',
      url: `/api/auth/contacts/${me.id}`,
      headers: bearer(other.token),
    });
    expect(removed.status).toBe(200);
    expect(emails(await search(shared, '', me))).toEqual({ [other.id]: null });
  });

  it('finds by exact email and by name in one query without showing the name matches their emails', async () => {
    const local = uniqueWord('both');
    const target = await makeUser(t, { email: `${local}@example.com` });
    const namesake = await makeUser(t, { firstName: `${local}@example.com` });
    const res = await search(`${local}@example.com`);
    expect(emails(res)).toEqual({ [target.id]: target.email, [namesake.id]: null });
  });

  it('treats regular-expression characters literally', async () => {
    const marker = uniqueWord('Rx');
    const literal = await makeUser(t, { firstName: `${marker}.*`, lastName: '(ab+)+$' });
    await makeUser(t, { firstName: `${marker}abc`, lastName: 'Plain' });
    expect(ids(await search(`${marker}.*`))).toEqual([literal.id]);
    expect(ids(await search('(ab+)+$'))).toEqual([literal.id]);
    expect(ids(await search(`${marker} (ab+)+$`))).toEqual([literal.id]);
    // Patterns that would match every user as a regular expression match nothing literally.
    for (const query of ['.*ab', 'ab.+', '[a-z]', 'a|b|c|d', '\\w\\d', '(?i)xy', '^..ab']) {
      const res = await search(query);
      expect(res.status).toBe(200);
      expect(ids(res).filter((id) => id !== literal.id)).toEqual([]);
    }
  });

  it('leaves out the caller, suspended and deleted users', async () => {
    const shared = uniqueWord('Shared');
    const me = await makeUser(t, { firstName: shared });
    const [active, suspended, deleted] = [
      await makeUser(t, { firstName: shared, lastName: 'Active' }),
      await makeUser(t, { firstName: shared, lastName: 'Suspended' }),
      await makeUser(t, { firstName: shared, lastName: 'Deleted' }),
    ];
    await setAccountStatus(suspended, 'suspended');
    await setAccountStatus(deleted, 'deleted');
    expect(ids(await search(shared, '', me))).toEqual([active.id]);
    expect(ids(await search(shared)).sort()).toEqual([me.id, active.id].sort());
  });

  it('flags contacts of the caller with isContact', async () => {
    const shared = uniqueWord('Flag');
    const [contact, stranger] = [
      await makeUser(t, { firstName: shared, lastName: 'Aa' }),
      await makeUser(t, { firstName: shared, lastName: 'Bb' }),
    ];
    const me = await makeUser(t);
    const added = await t.request({
      method: 'POST',
      url: '/api/auth/contacts',
      body: { contactUserId: contact.id },
      headers: bearer(me.token),
    });
    expect(added.status).toBe(201);
    const flags = Object.fromEntries(
      (await search(shared, '', me)).body.data.users.map((u: { id: string; isContact: boolean }) => [
        u.id,
        u.isContact,
      ]),
    );
    expect(flags).toEqual({ [contact.id]: true, [stranger.id]: false });
    // The flag is the caller's own: for another user the same people are not contacts.
    const other = (await search(shared)).body.data.users;
    expect(other.every((u: { isContact: boolean }) => u.isContact === false)).toBe(true);
  });

  it('returns 10 by default, up to limit, and at most 50', async () => {
    const shared = uniqueWord('Many');
    for (let i = 0; i < 12; i += 1) await makeUser(t, { firstName: shared });
    const byDefault = await search(shared);
    expect(byDefault.body.data.limit).toBe(10);
    expect(byDefault.body.data.users).toHaveLength(10);
    expect((await search(shared, '&limit=3')).body.data.users).toHaveLength(3);
    const max = await search(shared, '&limit=50');
    expect(max.status).toBe(200);
    expect(max.body.data.users).toHaveLength(12);
  });

  it.each(['&limit=51', '&limit=0', '&limit=-1', '&limit=2.5', '&limit=ten', '&other=1'])(
    'refuses %s with 400',
    async (extra) => {
      const res = await search('john', extra);
      expect(res.status).toBe(400);
      expect(res.body.errorCode).toBe('BAD_REQUEST');
    },
  );

  it.each([
    ['missing', undefined],
    ['empty', ''],
    ['whitespace', '   \t '],
    ['over 100 characters', 'a'.repeat(101)],
  ])('refuses a %s query with 400', async (_name, query) => {
    const res = await search(query);
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { field: string }) => e.field)).toContain('query');
  });

  it.each(['@', '.', 'e', '7', 'é', '..', '@.', '.*', '^', '.+', '\\w', ' e ', 'e.', '@e', '-_', '%', '*', '_@_'])(
    'refuses %p, which has fewer than 2 letters or digits, with 400',
    async (query) => {
      const res = await search(query);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ success: false, errorCode: 'BAD_REQUEST' });
      expect(res.body.errors).toContainEqual({
        field: 'query',
        message: 'query must contain at least 2 letters or digits',
      });
    },
  );

  it.each(['ab', 'a b', 'a.b', '@ab', '42', 'é1', '李明', 'Zoë'])('accepts %p (2 letters or digits)', async (query) => {
    const res = await search(query);
    expect(res.status).toBe(200);
  });

  it('finds names in any script', async () => {
    const first = `李${uniqueWord('x')}`;
    const found = await makeUser(t, { firstName: first, lastName: '明' });
    expect(ids(await search(`${first} 明`))).toEqual([found.id]);
  });

  it('accepts a query of 100 characters after trimming', async () => {
    const res = await search(`  ${'a'.repeat(100)}  `);
    expect(res.status).toBe(200);
    expect(res.body.data.users).toEqual([]);
  });

  it('refuses a repeated query parameter (400)', async () => {
    const res = await search('john', '&query=doe');
    expect(res.status).toBe(400);
  });

  it('needs authentication (401)', async () => {
    const res = await t.request({ url: '/api/auth/search-users?query=john' });
    expect(res.status).toBe(401);
    expect(res.body.errorCode).toBe('UNAUTHORIZED');
  });
});
