/**
 * Seeds the product's database directly (registering thousands of users through bcrypt would
 * take longer than the run): users shaped as users.schema.ts, active group calls of 4 joined
 * participants shaped as the calls repositories write them, and tokens signed as
 * AuthService.issueToken signs them.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import mongoose from 'mongoose';

const { ObjectId } = mongoose.mongo;

export const CALL_SIZE = 4;
export const TOKEN_TTL_SECONDS = 3600;

export interface BenchUser {
  id: string;
  token: string;
  /** Set for users seeded into a call: the call and the other three participants. */
  callId?: string;
  partners?: string[];
}

/** Inserts `users` users, the first `inCalls` of them in active calls of CALL_SIZE. */
export async function seedProduct(uri: string, secret: string, users: number, inCalls: number): Promise<BenchUser[]> {
  const connection = await mongoose.createConnection(uri).asPromise();
  try {
    const db = connection.db;
    if (!db) throw new Error('no database handle');
    const now = new Date();
    const out: BenchUser[] = [];
    const docs: Record<string, unknown>[] = [];
    for (let i = 0; i < users; i += 1) {
      const id = new ObjectId();
      docs.push({
        _id: id,
        firstName: 'Bench',
        lastName: `User${i}`,
        email: `bench.${i}.${id.toHexString()}@example.com`,
        // Bcrypt-shaped; nobody logs in with it.
        passwordHash: `$2b$12$${randomBytes(40).toString('base64url').slice(0, 53)}`,
        phoneNumber: null,
        avatar: null,
        role: 'user',
        accountStatus: 'active',
        presence: 'offline',
        lastSeenAt: null,
        isEmailVerified: true,
        preferences: {},
        subscription: { plan: 'free' },
        tokenVersion: 0,
        createdAt: now,
        updatedAt: now,
      });
      const token = jwt.sign({ sub: id.toHexString(), role: 'user', ver: 0 }, secret, {
        algorithm: 'HS256',
        jwtid: randomUUID(),
        expiresIn: TOKEN_TTL_SECONDS,
        issuer: 'video-call-api',
        audience: 'video-call-api',
      });
      out.push({ id: id.toHexString(), token });
    }
    for (let i = 0; i < docs.length; i += 1000) await db.collection('users').insertMany(docs.slice(i, i + 1000));

    const calls: Record<string, unknown>[] = [];
    const participants: Record<string, unknown>[] = [];
    for (let start = 0; start + CALL_SIZE <= inCalls; start += CALL_SIZE) {
      const members = out.slice(start, start + CALL_SIZE);
      const callId = randomBytes(16).toString('base64url');
      const host = new ObjectId(members[0].id);
      calls.push({
        _id: callId,
        channelName: `call_${randomBytes(16).toString('hex')}`,
        title: 'Bench call',
        description: '',
        callType: 'video',
        callMode: 'group',
        createdBy: host,
        hostId: host,
        status: 'active',
        maxParticipants: 10,
        scheduledFor: null,
        startedAt: now,
        endedAt: null,
        duration: null,
        endReason: null,
        settings: {
          allowChat: true,
          allowScreenShare: true,
          allowRecording: false,
          muteOnJoin: false,
          requirePassword: false,
          passwordHash: null,
        },
        joinedCount: CALL_SIZE,
        inviteeCount: 0,
        nextAgoraUid: CALL_SIZE + 1,
        lastActivityAt: now,
        createdAt: now,
        updatedAt: now,
      });
      members.forEach((member, k) => {
        member.callId = callId;
        member.partners = members.filter((other) => other !== member).map((other) => other.id);
        participants.push({
          _id: `${callId}:${member.id}`,
          callId,
          userId: new ObjectId(member.id),
          role: k === 0 ? 'host' : 'participant',
          agoraUid: k + 1,
          state: 'joined',
          joinedAt: now,
          leftAt: null,
          audioEnabled: true,
          videoEnabled: true,
          screenSharing: false,
          createdAt: now,
          updatedAt: now,
        });
      });
    }
    if (calls.length > 0) await db.collection('calls').insertMany(calls);
    for (let i = 0; i < participants.length; i += 1000) {
      await db.collection('call_participants').insertMany(participants.slice(i, i + 1000));
    }
    return out;
  } finally {
    await connection.close();
  }
}
