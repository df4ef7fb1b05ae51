import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { chmod, mkdir, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import { mongo } from 'mongoose';

/**
 * A backup archive: gzipped lines of canonical Extended JSON (types such as ObjectId, Date, Long
 * survive), in this order:
 *   {"archive":"video-call-api-backup","version":1,"database":"…","createdAt":{"$date":…}}
 *   {"collection":"users","indexes":[{"key":{…},"name":"…","unique":true}, …]}
 *   {"c":"users","d":{…one document…}}   (one line per document of that collection)
 *   {"collection":"calls", …}
 *   …
 * Written from a cursor per collection through gzip to the file, so memory holds a batch, never a
 * collection. Not a point-in-time snapshot: each collection is read as it is when its turn comes
 * (the database has no multi-collection snapshot reads).
 */
export const ARCHIVE_FORMAT = 'video-call-api-backup';
const ARCHIVE_VERSION = 1;
const READ_BATCH = 500;
const INSERT_BATCH = 500;

const { EJSON } = mongo.BSON;
const canonical = (value: unknown) => EJSON.stringify(value, { relaxed: false });

export interface IndexSpec {
  key: Record<string, 1 | -1>;
  name: string;
  unique?: boolean;
}

export interface ArchiveResult {
  name: string;
  path: string;
  sizeBytes: number;
  createdAt: Date;
  collections: Record<string, number>;
  durationMs: number;
}

export interface RestoreResult {
  collections: Record<string, number>;
  indexes: number;
  /** Indexes of the archive the database refused (the app builds its own at start anyway). */
  indexErrors: string[];
}

export class RestoreRefused extends Error {}

/** Writes every collection of `db` into a new archive in `dir` (created 0700; the file is 0600). */
export async function writeArchive(db: mongo.Db, dir: string, now = new Date()): Promise<ArchiveResult> {
  const started = performance.now();
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  const name = `backup-${now.toISOString().replace(/[:.]/g, '-')}-${randomBytes(3).toString('hex')}.ejson.gz`;
  const path = join(dir, name);
  const partial = `${path}.partial`;
  const collections: Record<string, number> = {};
  try {
    await pipeline(
      Readable.from(archiveLines(db, now, collections)),
      createGzip(),
      createWriteStream(partial, { mode: 0o600, flags: 'wx' }),
    );
    await chmod(partial, 0o600);
    await rename(partial, path);
  } catch (error) {
    await unlink(partial).catch(() => undefined);
    throw error;
  }
  const { size } = await stat(path);
  return {
    name,
    path,
    sizeBytes: size,
    createdAt: now,
    collections,
    durationMs: Math.round(performance.now() - started),
  };
}

async function* archiveLines(db: mongo.Db, now: Date, counts: Record<string, number>): AsyncGenerator<string> {
  yield `${canonical({ archive: ARCHIVE_FORMAT, version: ARCHIVE_VERSION, database: db.databaseName, createdAt: now })}\n`;
  const names = (await db.listCollections({ type: 'collection' }, { nameOnly: true }).toArray())
    .map((c) => c.name)
    .filter((name) => !name.startsWith('system.'))
    .sort();
  for (const name of names) {
    const collection = db.collection(name);
    const indexes: IndexSpec[] = ((await collection.listIndexes().toArray()) as IndexSpec[])
      .filter((index) => index.name !== '_id_')
      .map((index) => ({ key: index.key, name: index.name, ...(index.unique ? { unique: true } : {}) }));
    yield `${canonical({ collection: name, indexes })}\n`;
    counts[name] = 0;
    const cursor = collection.find({}, { batchSize: READ_BATCH, sort: { _id: 1 } });
    try {
      for await (const doc of cursor) {
        counts[name] += 1;
        yield `${canonical({ c: name, d: doc })}\n`;
      }
    } finally {
      await cursor.close();
    }
  }
}

/**
 * Loads an archive into `db`, which must be empty (no documents in any collection) unless
 * `force`: then each collection the archive holds is dropped before its documents are loaded
 * (collections the archive does not hold are left alone). Streams the file: memory holds one
 * batch of INSERT_BATCH documents. Recreates the archive's indexes (key, name, unique) after the
 * documents; the app also builds its own at start.
 */
export async function restoreArchive(
  db: mongo.Db,
  file: string,
  options: { force?: boolean } = {},
): Promise<RestoreResult> {
  if (!options.force && !(await isEmpty(db))) {
    throw new RestoreRefused(`The database ${db.databaseName} is not empty; restore into an empty one, or use --force`);
  }
  const result: RestoreResult = { collections: {}, indexes: 0, indexErrors: [] };
  // A file that cannot be read, or is not gzip, rejects the loop below (pipe alone would leave the
  // read error unhandled and crash the process).
  const source = createReadStream(file);
  const gunzip = createGunzip();
  source.once('error', (error) => gunzip.destroy(error));
  const lines = createInterface({ input: source.pipe(gunzip), crlfDelay: Infinity });
  let current: { name: string; indexes: IndexSpec[]; batch: mongo.Document[] } | undefined;
  let header = false;
  const finish = async () => {
    if (!current) return;
    await insertBatch(db, current.name, current.batch);
    await restoreIndexes(db, current.name, current.indexes, result);
  };
  for await (const line of lines) {
    if (line.length === 0) continue;
    const entry = EJSON.parse(line, { relaxed: false }) as Record<string, unknown>;
    if (!header) {
      if (entry.archive !== ARCHIVE_FORMAT) throw new RestoreRefused(`${file} is not a ${ARCHIVE_FORMAT} archive`);
      header = true;
    } else if (typeof entry.collection === 'string') {
      await finish();
      current = { name: entry.collection, indexes: (entry.indexes as IndexSpec[]) ?? [], batch: [] };
      if (options.force)
        await db
          .collection(current.name)
          .drop()
          .catch(() => undefined);
      await db.createCollection(current.name).catch(() => undefined);
      result.collections[current.name] = 0;
    } else if (current && entry.c === current.name) {
      current.batch.push(entry.d as mongo.Document);
      result.collections[current.name] += 1;
      if (current.batch.length >= INSERT_BATCH) {
        await insertBatch(db, current.name, current.batch);
        current.batch = [];
      }
    } else {
      throw new RestoreRefused(`${file}: a document line outside its collection`);
    }
  }
  if (!header) throw new RestoreRefused(`${file} is empty`);
  await finish();
  return result;
}

async function isEmpty(db: mongo.Db): Promise<boolean> {
  const names = (await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name);
  for (const name of names) {
    if (!name.startsWith('system.') && (await db.collection(name).findOne({}, { projection: { _id: 1 } })))
      return false;
  }
  return true;
}

async function insertBatch(db: mongo.Db, name: string, batch: mongo.Document[]): Promise<void> {
  if (batch.length > 0) await db.collection(name).insertMany(batch, { ordered: true });
}

async function restoreIndexes(db: mongo.Db, name: string, indexes: IndexSpec[], result: RestoreResult): Promise<void> {
  for (const index of indexes) {
    try {
      await db.collection(name).createIndex(index.key, { name: index.name, ...(index.unique ? { unique: true } : {}) });
      result.indexes += 1;
    } catch (error) {
      result.indexErrors.push(`${name}.${index.name}: ${(error as Error).message}`);
    }
  }
}
