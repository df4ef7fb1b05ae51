/**
 * Seeds users, calls and call participants straight into the database (registering 10,000 users
 * through bcrypt and making 100,000 calls through the API would take hours), shaped as
 * users.schema.ts, call.schema.ts and call-participant.schema.ts write them, spread over the last
 * year so the rollups have a year of buckets.
 */
import { randomBytes } from 'node:crypto';
import mongoose from 'mongoose';

type Db = mongoose.mongo.Db;
type Doc = Record<string, unknown>;
const { ObjectId } = mongoose.mongo;

const BATCH = 1000;
const HOUR = 3_600_000;
const YEAR = 365 * 24 * HOUR;
/** Share of calls still active (started in the last hours). */
const ACTIVE_SHARE = 0.01;
const END_REASONS = ['ended-by-host', 'all-left', 'all-left', 'declined', 'idle'];

/** A small deterministic generator (mulberry32), so every run seeds the same shapes. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function insertAll(db: Db, collection: string, docs: Doc[]): Promise<void> {
  for (let i = 0; i < docs.length; i += BATCH) {
    await db.collection(collection).insertMany(docs.slice(i, i + BATCH), { ordered: false });
  }
}

export interface SeedFigures {
  users: number;
  calls: number;
  participants: number;
  ms: number;
}

export async function seedAdminData(db: Db, users: number, calls: number, now = new Date()): Promise<SeedFigures> {
  const began = Date.now();
  const rnd = random(42);
  const userIds = Array.from({ length: users }, () => new ObjectId());
  await insertAll(
    db,
    'users',
    userIds.map((_id, i) => {
      const createdAt = new Date(now.getTime() - rnd() * YEAR);
      return {
        _id,
        firstName: 'Bench',
        lastName: `User${i}`,
        email: `bench.${i}.${_id.toHexString()}@example.com`,
        passwordHash: '$2b$12$' + 'x'.repeat(53),
        phoneNumber: null,
        avatar: null,
        role: i % 500 === 0 ? 'moderator' : 'user',
        accountStatus: i % 200 === 0 ? 'suspended' : 'active',
        presence: 'offline',
        lastSeenAt: new Date(now.getTime() - rnd() * 60 * 24 * HOUR),
        isEmailVerified: rnd() < 0.7,
        preferences: {},
        subscription: { plan: rnd() < 0.9 ? 'free' : 'pro' },
        tokenVersion: 0,
        createdAt,
        updatedAt: createdAt,
      };
    }),
  );

  const callDocs: Doc[] = [];
  const participantDocs: Doc[] = [];
  for (let i = 0; i < calls; i += 1) {
    const _id = randomBytes(16).toString('base64url');
    const active = rnd() < ACTIVE_SHARE;
    const startedAt = new Date(now.getTime() - (active ? rnd() * 3 * HOUR : rnd() * YEAR));
    // Most calls last minutes, a few hours: an exponential with a 10-minute mean, at most 5 hours.
    const duration = Math.min(Math.round(-Math.log(1 - rnd()) * 600) + 15, 5 * 3600);
    const endedAt = active ? null : new Date(startedAt.getTime() + duration * 1000);
    const group = rnd() < 0.4;
    const host = userIds[Math.floor(rnd() * users)];
    const others = Array.from({ length: group ? 2 : 1 }, () => userIds[Math.floor(rnd() * users)]).filter(
      (id, k, all) => !id.equals(host) && all.findIndex((o) => o.equals(id)) === k,
    );
    callDocs.push({
      _id,
      channelName: `bench-${_id}`,
      title: `Bench call ${i}`,
      description: '',
      callType: rnd() < 0.7 ? 'video' : 'audio',
      callMode: group ? 'group' : 'one-to-one',
      createdBy: host,
      hostId: host,
      status: active ? 'active' : 'ended',
      maxParticipants: group ? 10 : 2,
      scheduledFor: null,
      startedAt,
      endedAt,
      duration: active ? null : duration,
      endReason: active ? null : END_REASONS[Math.floor(rnd() * END_REASONS.length)],
      settings: { allowChat: true, allowScreenShare: true, allowRecording: false, muteOnJoin: false },
      joinedCount: active ? others.length + 1 : 0,
      inviteeCount: others.length,
      nextAgoraUid: others.length + 2,
      lastActivityAt: endedAt ?? startedAt,
      createdAt: startedAt,
      updatedAt: endedAt ?? startedAt,
    });
    [host, ...others].forEach((userId, k) => {
      participantDocs.push({
        _id: `${_id}:${userId.toHexString()}`,
        callId: _id,
        userId,
        role: k === 0 ? 'host' : 'participant',
        agoraUid: k + 1,
        state: active ? 'joined' : 'left',
        joinedAt: new Date(startedAt.getTime() + k * 5000),
        leftAt: endedAt,
        audioEnabled: true,
        videoEnabled: true,
        screenSharing: false,
        createdAt: startedAt,
        updatedAt: endedAt ?? startedAt,
      });
    });
  }
  await insertAll(db, 'calls', callDocs);
  await insertAll(db, 'call_participants', participantDocs);
  return { users, calls, participants: participantDocs.length, ms: Date.now() - began };
}
