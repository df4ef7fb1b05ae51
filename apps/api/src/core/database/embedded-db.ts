import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, statSync } from 'node:fs';
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
  /** `mongodb://127.0.0.1:<port>/` */
  uri: string;
  port: number;
  pid: number;
  /** Stops the database gracefully (SIGTERM), or kills it after `timeoutMs`. */
  stop(timeoutMs?: number): Promise<void>;
  /** Resolves when the process has exited, for whatever reason. */
  exited: Promise<number | null>;
}

export interface EmbeddedDbOptions {
  dataDir: string;
  port: number;
  log: EmbeddedDbLog;
  startTimeoutMs?: number;
}

/**
 * Starts the embedded database as a child process and resolves once it answers. The child
 * watches its stdin and stops when this process goes away, so it never outlives the app.
 */
export async function startEmbeddedDb(options: EmbeddedDbOptions): Promise<EmbeddedDb> {
  const binary = await ensureEmbeddedDbBinary(options.log);
  const dataDir = resolve(options.dataDir);
  const child = spawn(binary, ['--data-dir', dataDir, '--port', String(options.port), '--exit-on-stdin-close'], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  const stderrLines: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (line) => {
    stderrLines.push(line);
    if (stderrLines.length > 20) stderrLines.shift();
    options.log.warn(line);
  });

  const uri = await new Promise<string>((resolveUri, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new EmbeddedDbError(`The embedded database did not answer within ${options.startTimeoutMs ?? 60_000} ms.`),
      );
    }, options.startTimeoutMs ?? 60_000);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const match = /^MONGODB_URI=(mongodb:\/\/\S+)$/.exec(line.trim());
      if (match) {
        clearTimeout(timer);
        resolveUri(match[1]);
      }
    });
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new EmbeddedDbError(`The embedded database could not be started: ${error.message}`));
    });
    void exited.then((code) => {
      clearTimeout(timer);
      const reason = stderrLines.at(-1)?.replace(/^embedded-db:\s*/, '') ?? `it exited with code ${code}`;
      reject(new EmbeddedDbError(reason));
    });
  });

  return {
    uri,
    port: Number(new URL(uri).port),
    pid: child.pid!,
    exited,
    stop: (timeoutMs = 10_000) => stopChild(child, exited, timeoutMs),
  };
}

async function stopChild(child: ChildProcess, exited: Promise<number | null>, timeoutMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  await exited;
  clearTimeout(timer);
}
