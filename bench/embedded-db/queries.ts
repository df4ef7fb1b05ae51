import { performance } from 'node:perf_hooks';
import mongoose from 'mongoose';
import { Dataset } from './dataset';

type Db = mongoose.mongo.Db;
type ObjectId = mongoose.mongo.ObjectId;

/** One of the product's hot queries; `run` performs it once with arguments drawn by `pick`. */
export interface HotQuery {
  key: string;
  label: string;
  /** The exact driver calls, printed with the results. */
  shape: string;
  run(db: Db, data: Dataset, pick: <T>(items: T[]) => T): Promise<unknown>;
}

const PUBLIC_USER = { firstName: 1, lastName: 1, email: 1, avatarUrl: 1, presence: 1, lastSeenAt: 1 };

export const QUERIES: HotQuery[] = [
  {
    key: 'login',
    label: 'Login by email',
    shape: 'users.findOne({ email })',
    run: (db, data, pick) => db.collection('users').findOne({ email: pick(data.emails) }),
  },
  {
    key: 'me',
    label: 'Current user by id',
    shape: 'users.findOne({ _id })',
    run: (db, data, pick) => db.collection('users').findOne({ _id: pick(data.userIds) }),
  },
  {
    key: 'call',
    label: 'Call by id',
    shape: 'calls.findOne({ _id })',
    run: (db, data, pick) => db.collection('calls').findOne({ _id: pick(data.callIds) }),
  },
  {
    key: 'active',
    label: 'Active calls of a user',
    shape:
      "call_participants.find({ userId, state: 'joined' }, { projection: { callId: 1 } }) → " +
      "calls.find({ _id: { $in: callIds }, status: 'active' }) (users drawn among those joined to an active call)",
    run: async (db, data, pick) => {
      const rows = await db
        .collection('call_participants')
        .find({ userId: pick(data.activeUserIds), state: 'joined' }, { projection: { callId: 1 } })
        .toArray();
      if (rows.length === 0) return [];
      return db
        .collection('calls')
        .find({ _id: { $in: rows.map((r) => r.callId as ObjectId) }, status: 'active' })
        .toArray();
    },
  },
  {
    key: 'history',
    label: 'Call-history page (20)',
    shape:
      'call_participants.find({ userId }).sort({ joinedAt: -1 }).limit(20) → calls.find({ _id: { $in: callIds } })',
    run: async (db, data, pick) => {
      const rows = await db
        .collection('call_participants')
        .find({ userId: pick(data.participantUserIds) })
        .sort({ joinedAt: -1 })
        .limit(20)
        .toArray();
      return db
        .collection('calls')
        .find({ _id: { $in: rows.map((r) => r.callId as ObjectId) } })
        .toArray();
    },
  },
  {
    key: 'history-by-id',
    label: 'Call-history page, calls one by one',
    shape:
      'call_participants.find({ userId }).sort({ joinedAt: -1 }).limit(20) → ' +
      'Promise.all(callIds.map((_id) => calls.findOne({ _id })))',
    run: async (db, data, pick) => {
      const rows = await db
        .collection('call_participants')
        .find({ userId: pick(data.participantUserIds) })
        .sort({ joinedAt: -1 })
        .limit(20)
        .toArray();
      return Promise.all(rows.map((r) => db.collection('calls').findOne({ _id: r.callId as ObjectId })));
    },
  },
  {
    key: 'contacts',
    label: 'Contacts page (50)',
    shape:
      'contacts.find({ ownerId }).sort({ createdAt: -1 }).limit(50) → ' +
      'users.find({ _id: { $in: contactIds } }, { projection: public fields })',
    run: async (db, data, pick) => {
      const rows = await db
        .collection('contacts')
        .find({ ownerId: pick(data.userIds) })
        .sort({ createdAt: -1 })
        .limit(50)
        .toArray();
      return db
        .collection('users')
        .find({ _id: { $in: rows.map((r) => r.contactId as ObjectId) } }, { projection: PUBLIC_USER })
        .toArray();
    },
  },
  {
    key: 'chat',
    label: 'Chat page of a call (50)',
    shape: 'chat_messages.find({ callId }).sort({ createdAt: -1 }).limit(50)',
    run: (db, data, pick) =>
      db
        .collection('chat_messages')
        .find({ callId: pick(data.callIds) })
        .sort({ createdAt: -1 })
        .limit(50)
        .toArray(),
  },
];

export interface Measurement {
  samples: number;
  p50: number;
  p95: number;
}

export interface MeasureOptions {
  /** Most repetitions of a query (fast queries reach it). */
  repetitions: number;
  /** Fewest repetitions, however slow the query. */
  minRepetitions: number;
  /** Time after which a query stops repeating once it has `minRepetitions` samples. */
  budgetMs: number;
  /** Hard limit per query: past it, a query stops once it has `floorRepetitions` samples. */
  capMs: number;
  floorRepetitions: number;
  warmUp: number;
}

/** Nearest-rank percentile of sorted samples. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** Runs a query sequentially (one client, one request at a time) and returns its latency percentiles. */
export async function measure(
  query: HotQuery,
  db: Db,
  data: Dataset,
  rnd: () => number,
  options: MeasureOptions,
): Promise<Measurement> {
  const pick = <T>(items: T[]): T => items[Math.floor(rnd() * items.length)];
  const warmStarted = performance.now();
  for (let i = 0; i < options.warmUp && performance.now() - warmStarted < options.budgetMs / 10; i += 1) {
    await query.run(db, data, pick);
  }
  const samples: number[] = [];
  const started = performance.now();
  const more = (): boolean => {
    const elapsed = performance.now() - started;
    if (samples.length >= options.repetitions) return false;
    if (samples.length >= options.floorRepetitions && elapsed > options.capMs) return false;
    return samples.length < options.minRepetitions || elapsed < options.budgetMs;
  };
  while (more()) {
    const t0 = performance.now();
    await query.run(db, data, pick);
    samples.push(performance.now() - t0);
  }
  samples.sort((a, b) => a - b);
  return { samples: samples.length, p50: percentile(samples, 50), p95: percentile(samples, 95) };
}
