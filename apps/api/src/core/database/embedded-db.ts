import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

/** Where the Go sources of the embedded database live, found from the project root. */
export function embeddedDbSourceDir(): string {
  let dir = __dirname;
  for (;;) {
    const candidate = join(dir, 'tools', 'embedded-db');
    if (existsSync(join(candidate, 'go.mod'))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) {
      throw new EmbeddedDbError(
        'The embedded database sources (tools/embedded-db) are not part of this installation; set MONGODB_URI to a MongoDB server.',
      );
    }
    dir = parent;
  }
}

/** A problem that stops the embedded database from starting; the message says what to do. */
export class EmbeddedDbError extends Error {}

export interface EmbeddedDbLog {
  info(message: string): void;
  warn(message: string): void;
}

const BINARY = join('bin', 'embedded-db');

const goMissing = () =>
  new EmbeddedDbError(
    'Go is not installed, so the embedded database cannot be built: install Go 1.24 or newer (https://go.dev/doc/install), or set MONGODB_URI to a MongoDB server.',
  );

function newestSourceTime(sourceDir: string): number {
  return readdirSync(sourceDir)
    .filter((f) => f.endsWith('.go') || f === 'go.mod' || f === 'go.sum')
    .reduce((newest, f) => Math.max(newest, statSync(join(sourceDir, f)).mtimeMs), 0);
}

/**
 * The embedded database's binary, built with `go build` when it is missing or older than its
 * sources. The first build downloads FerretDB through the Go module proxy and takes about a
 * minute on two cores; later builds are cached.
 */
export async function ensureEmbeddedDbBinary(log: EmbeddedDbLog, sourceDir = embeddedDbSourceDir()): Promise<string> {
  const binary = join(sourceDir, BINARY);
  if (existsSync(binary) && statSync(binary).mtimeMs >= newestSourceTime(sourceDir)) return binary;

  if (spawnSync('go', ['version'], { stdio: 'ignore', env: process.env }).status !== 0) throw goMissing();
  log.info('Building the embedded database (tools/embedded-db); the first build takes about a minute…');
  const started = Date.now();
  mkdirSync(join(sourceDir, 'bin'), { recursive: true });
  const temporary = `${binary}.${process.pid}.tmp`;
  const build = spawn('go', ['build', '-buildvcs=false', '-o', temporary, '.'], {
    cwd: sourceDir,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, CGO_ENABLED: '0' },
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    build.once('error', (error: NodeJS.ErrnoException) => reject(error.code === 'ENOENT' ? goMissing() : error));
    build.once('exit', resolve);
  });
  if (code !== 0) {
    throw new EmbeddedDbError(
      `Building the embedded database failed (go build exited with ${code}); see the output above, or set MONGODB_URI to a MongoDB server.`,
    );
  }
  renameSync(temporary, binary);
  log.info(`Embedded database built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return binary;
}

export interface EmbeddedDb {
  /**
   * `mongodb://<socket path, percent-encoded>/`: the front's Unix socket in DATA_DIR (or in a
   * private directory when DATA_DIR's path is too long for a socket), reachable by this user only.
   */
  uri: string;
  /** `mongodb://127.0.0.1:<port>/` when a TCP listener was asked for. */
  tcpUri?: string;
  /** The TCP port, 0 without a TCP listener. */
  port: number;
  socketPath: string;
  pid: number;
  /** Stops the database gracefully (SIGTERM), or kills it after `timeoutMs`. */
  stop(timeoutMs?: number): Promise<void>;
  /** Resolves when the process has exited, for whatever reason. */
  exited: Promise<number | null>;
}

export interface EmbeddedDbOptions {
  dataDir: string;
  /** Also listen on 127.0.0.1 at this port; 0: no TCP listener, the Unix socket only. */
  port: number;
  log: EmbeddedDbLog;
  startTimeoutMs?: number;
}

/** Another process owns the data directory (the program's exit code 3); the message names it. */
export class EmbeddedDbInUseError extends EmbeddedDbError {}

/** The data directory's owner runs, but its recorded address cannot be read or used. */
export class EmbeddedDbUnreachableError extends EmbeddedDbError {}

const EXIT_IN_USE = 3;
const ADDRESS_FILE = 'embedded-db.json';
const LOCK_FILE = 'embedded-db.lock';

/** What the running owner of a data directory records there (0600): how to reach it. */
export interface EmbeddedDbAddress {
  pid: number;
  socket: string;
  uri: string;
  tcpUri?: string;
}

function readAddress(dataDir: string): EmbeddedDbAddress {
  const parsed = JSON.parse(readFileSync(join(dataDir, ADDRESS_FILE), 'utf8')) as Partial<EmbeddedDbAddress>;
  if (typeof parsed.pid !== 'number' || typeof parsed.socket !== 'string' || typeof parsed.uri !== 'string') {
    throw new Error('it is not an address');
  }
  return { pid: parsed.pid, socket: parsed.socket, uri: parsed.uri, tcpUri: parsed.tcpUri };
}

/** The embedded program writes its own start-up and shutdown lines; everything else is worth a warning. */
const INFO_LINE = /^embedded-db: (serving |stopped$|[\w ]+: shutting down$)/;

/**
 * Starts the embedded database as a child process and resolves once it answers. The child
 * watches its stdin and stops when this process goes away, so it never outlives the app; signals
 * reach it only from `stop()`.
 */
export async function startEmbeddedDb(options: EmbeddedDbOptions): Promise<EmbeddedDb> {
  const binary = await ensureEmbeddedDbBinary(options.log);
  const dataDir = resolve(options.dataDir);
  const args = ['--data-dir', dataDir, '--exit-on-stdin-close'];
  if (options.port !== 0) args.push('--port', String(options.port));
  const child = spawn(binary, args, {
    stdio: ['pipe', 'pipe', 'pipe'],
    // EMBEDDED_DB_PORT of the environment must not add a TCP listener the options did not ask for.
    env: { ...process.env, EMBEDDED_DB_PORT: '' },
    // A process group of its own: a Ctrl-C or a SIGTERM sent to the app's group must not stop the
    // database before the app has closed its connections (the driver's close can wait forever on
    // a connection whose socket closed under it). The app stops it afterwards; if the app dies,
    // its stdin closes and it stops by itself.
    detached: true,
  });
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  // After 'close' its stderr has been read to the end, so the last line is there.
  const closed = new Promise<number | null>((done) => child.once('close', (code) => done(code)));

  // Until it is ready, its lines are kept: if it fails, the last one is the reason, said once.
  let ready = false;
  const early: string[] = [];
  const logLine = (line: string) => (INFO_LINE.test(line) ? options.log.info(line) : options.log.warn(line));
  createInterface({ input: child.stderr }).on('line', (line) => {
    if (ready) return logLine(line);
    early.push(line);
    if (early.length > 50) early.shift();
  });

  const timeoutMs = options.startTimeoutMs ?? 60_000;
  await new Promise<void>((resolveReady, reject) => {
    let settled = false;
    const settle = (error?: EmbeddedDbError, reasonLines = early) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      ready = !error;
      reasonLines.forEach(logLine);
      early.length = 0;
      if (error) reject(error);
      else resolveReady();
    };
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      settle(new EmbeddedDbError(`The embedded database did not answer within ${timeoutMs} ms.`));
    }, timeoutMs);
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (/^MONGODB_URI=mongodb:\/\/\S+$/.test(line.trim())) settle();
    });
    child.once('error', (error) =>
      settle(new EmbeddedDbError(`The embedded database could not be started: ${error.message}`)),
    );
    void closed.then((code) => {
      const last = early.at(-1);
      const reason = last?.replace(/^embedded-db:\s*/, '') ?? `it exited with code ${code}`;
      // The reason is the error's message: logging its line as well would say it twice.
      settle(code === EXIT_IN_USE ? new EmbeddedDbInUseError(reason) : new EmbeddedDbError(reason), early.slice(0, -1));
    });
  });

  // Written before the ready line, so it is there; the pid says it is this child's.
  let address: EmbeddedDbAddress;
  try {
    address = readAddress(dataDir);
    if (address.pid !== child.pid) throw new Error(`it names process ${address.pid}`);
  } catch (error) {
    await stopChild(child, exited, 10_000);
    throw new EmbeddedDbError(
      `The embedded database's address in ${join(dataDir, ADDRESS_FILE)} cannot be read: ${(error as Error).message}`,
    );
  }
  return {
    uri: address.uri,
    tcpUri: address.tcpUri,
    port: address.tcpUri ? Number(new URL(address.tcpUri).port) : 0,
    socketPath: address.socket,
    pid: child.pid,
    exited,
    stop: (timeoutMs = 10_000) => stopChild(child, exited, timeoutMs),
  };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, it is another user's.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The address of the embedded database that another process runs on `dataDir`, as that process
 * recorded it (readable by its user only). Waits up to `waitMs` for an owner still starting.
 */
export async function runningEmbeddedDb(dataDir: string, waitMs = 5_000): Promise<EmbeddedDbAddress> {
  const dir = resolve(dataDir);
  const deadline = Date.now() + waitMs;
  for (;;) {
    let reason: string;
    try {
      const address = readAddress(dir);
      const owner = Number(readFileSync(join(dir, LOCK_FILE), 'utf8').trim());
      if (address.pid === owner && isAlive(owner)) return address;
      reason = `it names process ${address.pid}, which does not own the directory`;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      reason =
        code === 'ENOENT'
          ? 'it is missing'
          : code === 'EACCES'
            ? 'permission denied (it is readable by the user that runs the database only)'
            : (error as Error).message;
    }
    if (Date.now() >= deadline) {
      throw new EmbeddedDbUnreachableError(
        `the embedded database in ${dir} is in use by another process and its address (${join(dir, ADDRESS_FILE)}) cannot be read: ${reason}; run this as the user that runs it, or set MONGODB_URI`,
      );
    }
    await new Promise((done) => setTimeout(done, 100));
  }
}

async function stopChild(child: ChildProcess, exited: Promise<number | null>, timeoutMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  await exited;
  clearTimeout(timer);
}
