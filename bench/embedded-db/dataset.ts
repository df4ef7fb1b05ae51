import { performance } from 'node:perf_hooks';
import mongoose from 'mongoose';

type Db = mongoose.mongo.Db;
type ObjectId = mongoose.mongo.ObjectId;
type Doc = Record<string, unknown>;
const { ObjectId } = mongoose.mongo;

/** Collections and the indexes MongoDB needs for the product's queries (design §3). */
export const INDEXES: Record<string, { key: Record<string, 1 | -1>; unique?: boolean }[]> = {
  users: [{ key: { email: 1 }, unique: true }, { key: { accountStatus: 1, createdAt: -1 } }],
  contacts: [{ key: { ownerId: 1, contactId: 1 }, unique: true }, { key: { ownerId: 1, createdAt: -1 } }],
  calls: [{ key: { channelName: 1 }, unique: true }, { key: { hostId: 1, createdAt: -1 } }, { key: { status: 1 } }],
  call_participants: [
    { key: { callId: 1, userId: 1 }, unique: true },
    { key: { userId: 1, joinedAt: -1 } },
    { key: { userId: 1, state: 1 } },
  ],
  chat_messages: [{ key: { callId: 1, createdAt: 1 } }],
};

export const CONTACTS_PER_USER = 10;
export const CALLS_PER_USER = 0.5;
export const MESSAGES_PER_CALL = 5;
export const ACTIVE_CALL_SHARE = 0.02;
const BATCH = 1000;
const DAY = 86_400_000;

/** A small deterministic generator (mulberry32), so every run seeds the same shapes. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** What the queries draw their arguments from. */
export interface Dataset {
  users: number;
  userIds: ObjectId[];
  emails: string[];
  callIds: ObjectId[];
  /** Users joined to an active call (the "my active calls" case where there is something to show). */
  activeUserIds: ObjectId[];
  /** One entry per participant row, so busy users are drawn more often. */
  participantUserIds: ObjectId[];
  counts: Record<string, number>;
  seedMs: number;
}

const FIRST = ['Ada', 'Ben', 'Chloé', 'Dmitri', 'Emma', 'Farid', 'Grace', 'Hiro', 'Ines', 'Jonas', 'Kofi', 'Lena'];
const LAST = ['Okafor', 'Smith', 'García', 'Nguyen', 'Müller', 'Rossi', 'Kowalski', 'Tanaka', 'Silva', 'Haddad'];
const PRESENCE = ['online', 'away', 'busy', 'offline', 'offline', 'offline'];
const WORDS = ['hello', 'can', 'you', 'hear', 'me', 'sharing', 'my', 'screen', 'now', 'thanks', 'see', 'the', 'slide'];

const pick = <T>(rnd: () => number, items: readonly T[]): T => items[Math.floor(rnd() * items.length)];
const hex = (rnd: () => number, length: number): string => {
  let out = '';
  while (out.length < length) out += Math.floor(rnd() * 0x100000000).toString(16);
  return out.slice(0, length);
};

/** Buffers documents per collection and writes them with `insertMany` in batches. */
class Writer {
  private readonly buffers = new Map<string, Doc[]>();
  readonly counts: Record<string, number> = {};
  constructor(private readonly db: Db) {}

  async add(collection: string, doc: Doc): Promise<void> {
    let buffer = this.buffers.get(collection);
    if (!buffer) this.buffers.set(collection, (buffer = []));
    buffer.push(doc);
    if (buffer.length >= BATCH) await this.flush(collection);
  }

  async flush(collection?: string): Promise<void> {
    for (const name of collection ? [collection] : [...this.buffers.keys()]) {
      const buffer = this.buffers.get(name) ?? [];
      if (buffer.length === 0) continue;
      this.buffers.set(name, []);
      await this.db.collection(name).insertMany(buffer, { ordered: true });
      this.counts[name] = (this.counts[name] ?? 0) + buffer.length;
    }
  }
}

/**
 * Creates the collections with their indexes, then seeds `users` users with proportional data:
 * about 10 contacts per user, 1 call per 2 users (2–4 participants, ~5 chat messages each, ~2%
 * still active).
 */
export async function seed(db: Db, users: number, progress: (line: string) => void): Promise<Dataset> {
  const started = performance.now();
  for (const [name, indexes] of Object.entries(INDEXES)) {
    await db.createCollection(name);
    for (const index of indexes) await db.collection(name).createIndex(index.key, { unique: index.unique ?? false });
  }

  const rnd = random(users);
  const now = Date.now();
  const writer = new Writer(db);
  const userIds: ObjectId[] = [];
  const emails: string[] = [];
  const createdAt: number[] = [];

  for (let i = 0; i < users; i += 1) {
    const firstName = pick(rnd, FIRST);
    const lastName = pick(rnd, LAST);
    const email = `${firstName}.${lastName}.${i}@example.com`.normalize('NFD').replace(/[^\x20-\x7e]/g, '');
    const created = now - Math.floor(rnd() * 365 * DAY);
    const id = new ObjectId();
    userIds.push(id);
    emails.push(email.toLowerCase());
    createdAt.push(created);
    const roll = rnd();
    await writer.add('users', {
      _id: id,
      firstName,
      lastName,
      email: email.toLowerCase(),
      passwordHash: `$2b$12$${hex(rnd, 53)}`,
      phone: `+4477${String(i).padStart(8, '0')}`,
      avatarUrl: rnd() < 0.5 ? `https://cdn.example.com/avatars/${id.toHexString()}.png` : null,
      role: roll < 0.001 ? 'admin' : roll < 0.01 ? 'moderator' : 'user',
      accountStatus: roll > 0.99 ? 'suspended' : roll > 0.985 ? 'deleted' : 'active',
      presence: pick(rnd, PRESENCE),
      lastSeenAt: new Date(created + Math.floor(rnd() * (now - created))),
      isEmailVerified: rnd() < 0.9,
      preferences: { notifications: true, theme: rnd() < 0.3 ? 'dark' : 'light', language: 'en' },
      subscription: { plan: rnd() < 0.1 ? 'pro' : 'free', features: [] },
      tokenVersion: 0,
      createdAt: new Date(created),
      updatedAt: new Date(created),
    });
  }
  await writer.flush('users');
  progress(`users ${users} seeded in ${((performance.now() - started) / 1000).toFixed(1)} s`);

  const perOwner = Math.min(CONTACTS_PER_USER, users - 1);
  for (let owner = 0; owner < users; owner += 1) {
    const chosen = new Set<number>();
    while (chosen.size < perOwner) {
      const other = Math.floor(rnd() * users);
      if (other !== owner) chosen.add(other);
    }
    for (const other of chosen) {
      const created = Math.max(createdAt[owner], createdAt[other]);
      await writer.add('contacts', {
        _id: new ObjectId(),
        ownerId: userIds[owner],
        contactId: userIds[other],
        createdAt: new Date(created + Math.floor(rnd() * (now - created))),
      });
    }
  }
  await writer.flush('contacts');
  progress(`contacts seeded, ${((performance.now() - started) / 1000).toFixed(1)} s so far`);

  const callIds: ObjectId[] = [];
  const activeUserIds: ObjectId[] = [];
  const participantUserIds: ObjectId[] = [];
  const calls = Math.max(1, Math.round(users * CALLS_PER_USER));
  for (let c = 0; c < calls; c += 1) {
    const group = rnd() < 0.4;
    const size = Math.min(users, group ? 3 + Math.floor(rnd() * 2) : 2);
    const members = new Set<number>();
    while (members.size < size) members.add(Math.floor(rnd() * users));
    const [host, ...others] = [...members];
    const active = rnd() < ACTIVE_CALL_SHARE;
    const startedAt = active ? now - Math.floor(rnd() * 3_600_000) : now - Math.floor(rnd() * 365 * DAY);
    const duration = active ? 0 : 30 + Math.floor(rnd() * 3570);
    const endedAt = active ? null : startedAt + duration * 1000;
    const callId = new ObjectId();
    callIds.push(callId);
    await writer.add('calls', {
      _id: callId,
      channelName: `call_${hex(rnd, 32)}`,
      title: group ? 'Team sync' : null,
      description: null,
      hostId: userIds[host],
      status: active ? 'active' : 'ended',
      callType: rnd() < 0.8 ? 'video' : 'audio',
      callMode: group ? 'group' : 'one-to-one',
      maxParticipants: group ? 10 : 2,
      scheduledFor: null,
      createdAt: new Date(startedAt - 5_000),
      startedAt: new Date(startedAt),
      endedAt: endedAt === null ? null : new Date(endedAt),
      duration,
      endReason: active ? null : 'host_ended',
      settings: { recordingEnabled: false, waitingRoom: false, passwordHash: null },
      joinedCount: active ? size : 0,
      nextAgoraUid: size + 1,
    });
    let k = 0;
    for (const member of [host, ...others]) {
      k += 1;
      if (active) activeUserIds.push(userIds[member]);
      participantUserIds.push(userIds[member]);
      const joinedAt = startedAt + (k === 1 ? 0 : Math.floor(rnd() * 30_000));
      await writer.add('call_participants', {
        _id: new ObjectId(),
        callId,
        userId: userIds[member],
        role: k === 1 ? 'host' : 'participant',
        state: active ? 'joined' : rnd() < 0.01 ? 'kicked' : 'left',
        agoraUid: k,
        joinedAt: new Date(joinedAt),
        leftAt: endedAt === null ? null : new Date(endedAt),
        audioEnabled: true,
        videoEnabled: rnd() < 0.8,
        screenSharing: false,
      });
    }
    const messages = Math.floor(rnd() * (2 * MESSAGES_PER_CALL + 1));
    const span = (endedAt ?? now) - startedAt;
    for (let m = 0; m < messages; m += 1) {
      const words = 3 + Math.floor(rnd() * 10);
      await writer.add('chat_messages', {
        _id: new ObjectId(),
        callId,
        senderId: userIds[pick(rnd, [host, ...others])],
        message: Array.from({ length: words }, () => pick(rnd, WORDS)).join(' '),
        messageType: 'text',
        createdAt: new Date(startedAt + Math.floor(rnd() * span)),
      });
    }
  }
  await writer.flush();

  return {
    users,
    userIds,
    emails,
    callIds,
    activeUserIds,
    participantUserIds,
    counts: writer.counts,
    seedMs: performance.now() - started,
  };
}
