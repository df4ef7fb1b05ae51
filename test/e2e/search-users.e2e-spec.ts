import { randomBytes } from 'node:crypto';
import { Connection, Types } from 'mongoose';
import { bearer, makeUser, RegisteredUser } from '../factories/users';
import { startTestApp, TestApp } from '../support/app';

const FORBIDDEN_KEYS = /passwordHash|tokenVersion|accountStatus|"__v"|"_id"|"role"|phoneNumber|preferences/;

/** A name no other test's user has: letters only, as names are. */
const uniqueWord = (prefix: string) =>
  `${prefix}${[...randomBytes(6)].map((b) => String.fromCharCode(97 + (b % 26))).join('')}`;

describe('GET /api/auth/search-users', () => {
  let t: TestApp;
  let db: Connection;
  let caller: RegisteredUser;

  beforeAll(async () => {
    t = await startTestApp();
    db = await t.db();
    caller = await makeUser(t, { firstName: uniqueWord('Caller') });
  });
  afterAll(() => t.close());

  const search = (query: string | undefined, extra = '', as: RegisteredUser = caller) => {
    const params = new URLSearchParams();
    if (query !== undefined) params.set('query', query);
    return t.request({ url: `/api/auth/search-users?${params.toString()}${extra}`, headers: bearer(as.token) });
  };
  const ids = (res: { body: { data: { users: { id: string }[] } } }) => res.body.data.users.map((u) => u.id);
  const setAccountStatus = (u: RegisteredUser, accountStatus: string) =>
    db.collection('users').updateOne({ _id: new Types.ObjectId(u.id) }, { $set: { accountStatus } });

  it('finds by first name, case-insensitively, with public fields and isContact', async () => {
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
          email: found.email,
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

  it('finds by email, whole or in part, case-insensitively', async () => {
    const local = uniqueWord('mail');
    const found = await makeUser(t, { email: `${local}.x@example.com` });
    expect(ids(await search(`${local}.x@example.com`))).toEqual([found.id]);
    expect(ids(await search(`${local.toUpperCase()}.X@EXAMPLE.COM`))).toEqual([found.id]);
    expect(ids(await search(local))).toEqual([found.id]);
  });

  it('treats regular-expression characters literally', async () => {
    const marker = uniqueWord('Rx');
    const literal = await makeUser(t, { firstName: `${marker}.*`, lastName: '(a+)+$' });
    await makeUser(t, { firstName: `${marker}abc`, lastName: 'Plain' });
    expect(ids(await search(`${marker}.*`))).toEqual([literal.id]);
    expect(ids(await search('(a+)+$'))).toEqual([literal.id]);
    expect(ids(await search(`${marker} (a+)+$`))).toEqual([literal.id]);
    // Patterns that would match every user as a regular expression match nothing literally.
    for (const query of ['.*', '^', '.+', '[a-z]', 'a|b|c|d', '\\w', '(?i)x']) {
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
