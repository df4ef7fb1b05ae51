import { getConnectionToken } from '@nestjs/mongoose';
import { Connection, Types } from 'mongoose';
import { useTestApp } from '../support/app';
import { callShapes, parseShape, readShapeFile, Shape, shapesOf } from '../support/query-shapes';

/**
 * On MongoDB every query the app sends must be served by a declared index. The shapes come from
 * test/query-shapes.json, recorded from the real queries of the e2e suites (test/support/query-shapes.ts;
 * regenerate with RECORD_QUERY_SHAPES=1); the indexes from the schemas of the models the running
 * app registers, plus `_id`. The embedded database itself only uses `_id`: this is about MongoDB.
 */

type Key = [field: string, direction: 1 | -1];

/** Collections the app reaches without a model (every read and write by `_id`): only `_id` is indexed. */
const RAW_COLLECTIONS = new Set(['analytics_rollups', 'analytics_callers']);

/**
 * Queries that no index serves on purpose, each with its reason. A rule covers the shapes of its
 * collection whose equality fields, range fields and sort keys are among its own (a list query
 * with optional filters has a shape per combination). Keep it small: a new rule needs a reason why
 * the collection stays small or the query is rare, staff-only or a batch job. The first rule that
 * covers a shape is the one counted.
 */
interface FullScan {
  collection: string;
  eq?: string[];
  range?: string[];
  sort?: string[];
  reason: string;
}

const FULL_SCANS: FullScan[] = [
  {
    collection: 'users',
    reason: 'whole-collection reads: the admin counts by role, status and plan, and the analytics rebuild',
  },
  { collection: 'calls', reason: 'the analytics rebuild reads every call once' },
  { collection: 'call_participants', reason: 'the analytics rebuild reads every participant once' },
  {
    collection: 'users',
    eq: ['accountStatus', 'role', 'email'],
    range: ['firstName', 'lastName'],
    sort: ['createdAt', 'lastName', 'firstName', 'email', 'lastSeenAt', '_id'],
    reason:
      'the staff account list (admins and moderators, paged): any mix of optional filters, name patterns matched ' +
      'anywhere in the name and eight sort orders; an index per combination would cost every account write',
  },
  {
    collection: 'calls',
    eq: ['status', 'callType', 'callMode', 'hostId'],
    range: ['createdAt'],
    sort: ['createdAt', '_id'],
    reason:
      'the staff call list (paged, newest first): MongoDB walks created_id and filters; optional filters in any mix',
  },
  {
    collection: 'calls',
    range: ['startedAt'],
    reason: 'the admin analytics top hosts over a window (a $group over the calls started since)',
  },
  {
    collection: 'call_participants',
    eq: ['callId'],
    sort: ['joinedAt', '_id'],
    reason:
      "one call's participants: found by the callId prefix of call_user_unique, sorted in memory; at most one per " +
      'user who joined, and the plans cap a call at 100 participants',
  },
  {
    collection: 'call_invitations',
    eq: ['callId'],
    sort: ['createdAt', '_id'],
    reason:
      "one call's invitations: found by the callId prefix of call_invitee_unique, sorted in memory (one per invitee)",
  },
  {
    collection: 'analytics_rollups',
    reason: 'the analytics rebuild empties it (deleteMany {}); every other read and write is by _id',
  },
  {
    collection: 'analytics_callers',
    reason: 'the analytics rebuild empties it (deleteMany {}); every other read and write is by _id',
  },
  {
    collection: 'system_logs',
    reason:
      'trimming by count reads _ids newest first (a cursor sort on _id the hook does not see); bounded collection',
  },
  {
    collection: 'audit_logs',
    reason:
      'trimming by count reads _ids newest first (a cursor sort on _id the hook does not see); bounded collection',
  },
  {
    collection: 'open_calls',
    reason: 'the housekeeping sweep reads every call not yet ended, by batch (one document per open call)',
  },
  {
    collection: 'live_sessions',
    eq: ['rooms'],
    reason:
      'a call that ends leaves its room in every session: one document per connected user, once per call; an index ' +
      'on rooms would be written on every join and leave',
  },
  {
    collection: 'auth_tokens',
    range: ['usedAt'],
    reason:
      'the housekeeping purge of used single-use tokens (the expired ones are found by expiresAt); one query per ' +
      'sweep over a collection the same sweep keeps small',
  },
  {
    collection: 'realtime_instances',
    range: ['expiresAt'],
    reason: 'expired instance leases: one document per running instance',
  },
];

function allowed(collection: string, shape: Shape): FullScan | undefined {
  const within = (fields: string[], allowedFields: string[] = []) =>
    fields.every((field) => allowedFields.includes(field));
  return FULL_SCANS.find(
    (scan) =>
      scan.collection === collection &&
      within(shape.eq, scan.eq) &&
      within(shape.range, scan.range) &&
      within(
        shape.sort.map(([field]) => field),
        scan.sort,
      ),
  );
}

interface Index {
  keys: Key[];
  unique: boolean;
}

const ID_INDEX: Index = { keys: [['_id', 1]], unique: true };

/** The indexes each collection has: its schema's indexes (compound, `index`, `unique`) and `_id`. */
function declaredIndexes(connection: Connection): Map<string, Index[]> {
  const indexes = new Map<string, Index[]>();
  for (const model of Object.values(connection.models)) {
    const declared = model.schema.indexes().map(([fields, options]): Index => ({
      keys: Object.entries(fields).map(([field, direction]): Key => [field, direction === -1 ? -1 : 1]),
      unique: Boolean((options as { unique?: boolean } | undefined)?.unique),
    }));
    indexes.set(model.collection.collectionName, [ID_INDEX, ...declared]);
  }
  return indexes;
}

/**
 * Whether an index serves a shape, by the ESR rule (equality, sort, range): the index's leading
 * keys are equality fields of the filter, then come the sort keys in order (all in the index's
 * direction or all reversed); a range field may lead an index when nothing precedes it. Equality
 * on every key of a unique index (`_id` among them) finds one document: served whatever the sort.
 * An empty filter is served when the index gives the sort (a listing read page by page).
 */
function serves({ keys: index, unique }: Index, shape: Shape): boolean {
  if (unique && index.every(([field]) => shape.eq.includes(field))) return true;
  let prefix = 0;
  while (prefix < index.length && shape.eq.includes(index[prefix][0])) prefix += 1;
  const sort = shape.sort.filter(([field]) => !shape.eq.includes(field));
  const filtered = shape.eq.length > 0 || shape.range.length > 0;
  if (sort.length === 0) return prefix > 0 || (index[0] !== undefined && shape.range.includes(index[0][0]));
  const following = index.slice(prefix, prefix + sort.length);
  if (following.length < sort.length || following.some(([field], i) => field !== sort[i][0])) return false;
  const same = following.every(([, direction], i) => direction === sort[i][1]);
  const reversed = following.every(([, direction], i) => direction === -sort[i][1]);
  if (!same && !reversed) return false;
  return prefix > 0 || !filtered || shape.range.includes(sort[0][0]);
}

describe('query shapes (what the recorder keeps of a query)', () => {
  it('keeps field names, equality apart from range, and the sort in order', () => {
    const id = new Types.ObjectId();
    expect(shapesOf({ callId: id, createdAt: { $lt: new Date() } }, { createdAt: -1, _id: -1 })).toEqual([
      'eq: callId; range: createdAt; sort: createdAt:-1, _id:-1',
    ]);
    expect(shapesOf({ status: { $in: ['a', 'b'] }, name: /x/i, age: { $gte: 1 } })).toEqual([
      'eq: status; range: age, name',
    ]);
    expect(shapesOf({})).toEqual(['all']);
  });

  it('makes each $or branch a shape of its own, crossed with the rest of the filter', () => {
    expect(shapesOf({ status: 'ended', $or: [{ createdBy: 1 }, { _id: { $in: [1] } }] })).toEqual([
      'eq: createdBy, status',
      'eq: _id, status',
    ]);
    expect(shapesOf({ $and: [{ $or: [{ a: /x/ }, { b: /x/ }] }, { $or: [{ a: /y/ }, { b: /y/ }] }] })).toEqual([
      'range: a',
      'range: a, b',
      'range: b',
    ]);
  });

  it('reads the filter and sort of each kind of call, aggregate and bulk write', () => {
    expect(callShapes('c', 'findOneAndUpdate', [{ a: 1 }, { $set: { b: 1 } }, { sort: { t: 1 } }])).toEqual([
      ['c', 'eq: a; sort: t:1'],
    ]);
    expect(callShapes('c', 'distinct', ['x', { a: 1 }])).toEqual([['c', 'eq: a']]);
    expect(
      callShapes('c', 'aggregate', [
        [
          { $match: { a: 1 } },
          { $sort: { t: -1 } },
          { $lookup: { from: 'd', localField: 'x', foreignField: 'y', as: 'z' } },
        ],
      ]),
    ).toEqual([
      ['c', 'eq: a; sort: t:-1'],
      ['d', 'eq: y'],
    ]);
    expect(
      callShapes('c', 'bulkWrite', [[{ updateOne: { filter: { _id: 1 } } }, { insertOne: { document: {} } }]]),
    ).toEqual([['c', 'eq: _id']]);
    expect(callShapes('c', 'insertOne', [{ a: 1 }])).toEqual([]);
  });
});

describe('serves (the ESR rule)', () => {
  const shape = (text: string) => parseShape(text);
  const index = (...keys: Key[]): Index => ({ keys, unique: false });

  it('an index serves the equality fields of its prefix, then the sort', () => {
    const ab = index(['a', 1], ['b', 1]);
    expect(serves(ab, shape('eq: a'))).toBe(true);
    expect(serves(ab, shape('eq: a, b'))).toBe(true);
    expect(serves(ab, shape('eq: a, c'))).toBe(true);
    expect(serves(ab, shape('eq: a; sort: b:1'))).toBe(true);
    expect(serves(ab, shape('eq: a; sort: b:-1'))).toBe(true);
    expect(serves(ab, shape('eq: a; range: b'))).toBe(true);
    expect(serves(ab, shape('eq: b'))).toBe(false);
    expect(serves(ab, shape('eq: a; sort: c:1'))).toBe(false);
    expect(serves(ab, shape('eq: c'))).toBe(false);
    expect(serves(ab, shape('all'))).toBe(false);
  });

  it('a compound sort must follow the index in one direction', () => {
    const abc = index(['a', 1], ['b', -1], ['c', 1]);
    expect(serves(abc, shape('eq: a; sort: b:-1, c:1'))).toBe(true);
    expect(serves(abc, shape('eq: a; sort: b:1, c:-1'))).toBe(true);
    expect(serves(abc, shape('eq: a; sort: b:-1, c:-1'))).toBe(false);
    expect(serves(abc, shape('eq: a; sort: c:1'))).toBe(false);
  });

  it('a range or an empty filter is served by an index that leads with it or gives the sort', () => {
    const t = index(['t', -1]);
    expect(serves(t, shape('range: t; sort: t:1'))).toBe(true);
    expect(serves(t, shape('range: t'))).toBe(true);
    expect(serves(t, shape('sort: t:-1'))).toBe(true);
    expect(serves(t, shape('range: u; sort: t:-1'))).toBe(false);
  });

  it('equality on every key of a unique index finds one document, whatever the sort', () => {
    expect(serves(ID_INDEX, shape('eq: _id, a; sort: t:1'))).toBe(true);
    expect(serves({ keys: [['email', 1]], unique: true }, shape('eq: email, status; sort: name:1'))).toBe(true);
    expect(serves(index(['email', 1]), shape('eq: email, status; sort: name:1'))).toBe(false);
    expect(serves(ID_INDEX, shape('range: _id'))).toBe(true);
  });
});

describe('query indexes', () => {
  const t = useTestApp();
  const used = new Set<FullScan>();

  it('every recorded query shape is served by a declared index, or scans on purpose', () => {
    const indexes = declaredIndexes(t.app.get<Connection>(getConnectionToken()));
    const unserved: string[] = [];
    for (const [collection, list] of Object.entries(readShapeFile()))
      for (const text of list) {
        const shape = parseShape(text);
        if ((indexes.get(collection) ?? [ID_INDEX]).some((index) => serves(index, shape))) continue;
        const scan = allowed(collection, shape);
        if (scan) used.add(scan);
        else unserved.push(`${collection}: ${text}`);
      }
    expect(unserved).toEqual([]);
  });

  it('every full scan allowed is still a query the app makes', () => {
    expect(FULL_SCANS.filter((scan) => !used.has(scan))).toEqual([]);
  });

  it('the recorded shapes name collections the app has', () => {
    const collections = new Set(
      Object.values(t.app.get<Connection>(getConnectionToken()).models).map((m) => m.collection.collectionName),
    );
    const unknown = Object.keys(readShapeFile()).filter((name) => !collections.has(name) && !RAW_COLLECTIONS.has(name));
    expect(unknown).toEqual([]);
  });
});
