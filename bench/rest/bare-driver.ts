/**
 * Baseline of the authenticated scenarios: bare Fastify and the MongoDB driver (the one mongoose
 * wraps, without mongoose's models) on the product's embedded database (`DB_URI`), issuing the
 * same queries, with the same filters, projections, sorts and limits, in the same order as the
 * product's handlers (UsersRepository.findById, CallQueriesService.active and .history with their
 * repositories). No authentication, validation, envelope interceptor or mapping: the user is
 * named by the `x-user-id` header, and the documents are answered as read, in an envelope of the
 * product's shape. Listens on 127.0.0.1:$PORT; started by main.ts as its own process.
 */
import Fastify from 'fastify';
import mongoose from 'mongoose';

const { MongoClient, ObjectId } = mongoose.mongo;
type Doc = mongoose.mongo.Document;

/** What the product never selects (`select: false` on the user schema). */
const NO_HASH = { projection: { passwordHash: 0 } };
const HISTORY_DEFAULT_LIMIT = 20;

async function main(): Promise<void> {
  const client = await new MongoClient(process.env.DB_URI ?? '').connect();
  const db = client.db();
  const users = db.collection('users');
  const calls = db.collection<{ _id: string; createdAt: Date; status: string; hostId: mongoose.mongo.ObjectId }>(
    'calls',
  );
  const participants = db.collection('call_participants');
  const invitations = db.collection('call_invitations');
  const app = Fastify({ logger: false });

  const me = (headers: Record<string, unknown>) => new ObjectId(String(headers['x-user-id']));
  const usersByIds = (ids: mongoose.mongo.ObjectId[]) => {
    const unique = [...new Set(ids.map((id) => id.toHexString()))];
    return unique.length > 0
      ? users.find({ _id: { $in: unique.map((id) => new ObjectId(id)) } }, NO_HASH).toArray()
      : Promise.resolve([]);
  };
  const callIdsOf = async (filter: Doc) =>
    (await participants.find(filter, { projection: { callId: 1 } }).toArray()).map((row) => row.callId as string);

  app.get('/api/health/live', () => ({ status: 'alive' }));

  // UsersService.getProfile: findById, lean.
  app.get('/api/auth/profile', async (request) => {
    const user = await users.findOne({ _id: me(request.headers) }, NO_HASH);
    return { success: true, message: 'Profile retrieved successfully', data: { user } };
  });

  // CallQueriesService.active.
  app.get('/api/calls/active', async (request) => {
    const userId = me(request.headers);
    const [hosted, joinedIds, invitedIds] = await Promise.all([
      calls.find({ hostId: userId, status: 'active' }).toArray(),
      callIdsOf({ userId, state: 'joined' }),
      invitations
        .find({ inviteeId: userId, status: 'pending' }, { projection: { callId: 1 } })
        .toArray()
        .then((rows) => rows.map((row) => row.callId as string)),
    ]);
    const hostedIds = new Set(hosted.map((call) => call._id));
    const otherIds = [...new Set([...joinedIds, ...invitedIds])].filter((id) => !hostedIds.has(id));
    const others =
      otherIds.length > 0
        ? (await calls.find({ _id: { $in: otherIds } }).toArray()).filter((call) => call.status === 'active')
        : [];
    const found = [...hosted, ...others].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
    const people = await Promise.all(
      found.map((call) => participants.find({ callId: call._id }).sort({ joinedAt: 1, _id: 1 }).toArray()),
    );
    const named = await usersByIds([
      ...found.map((call) => call.hostId),
      ...people.flat().map((p) => p.userId as mongoose.mongo.ObjectId),
    ]);
    return { success: true, data: { calls: found.map((call, i) => ({ ...call, participants: people[i] })), named } };
  });

  // CallQueriesService.history with CallRepository.endedCallsPage.
  app.get('/api/calls/history', async (request) => {
    const userId = me(request.headers);
    const query = request.query as { limit?: string; skip?: string };
    const limit = Number(query.limit ?? HISTORY_DEFAULT_LIMIT);
    const skip = Number(query.skip ?? 0);
    const ids = await callIdsOf({ userId });
    const filter = { status: 'ended', $or: [{ createdBy: userId }, { _id: { $in: ids } }] };
    const [page, total] = await Promise.all([
      calls.find(filter).sort({ endedAt: -1, _id: -1 }).skip(skip).limit(limit).toArray(),
      calls.countDocuments(filter),
    ]);
    const named = await usersByIds(page.map((call) => call.hostId));
    return { success: true, data: { calls: page, named, total, limit, skip } };
  });

  await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
}

main().catch((error: Error) => {
  process.stderr.write(`${error.stack ?? error.message}\n`);
  process.exit(1);
});
