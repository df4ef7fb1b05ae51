/** Starting, measuring and stopping the two servers under test as child processes. */
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

/** Every child started, so the run can stop them all even when it fails. */
const children = new Set<ChildProcess>();

export const hasTaskset = spawnSync('taskset', ['-V']).status === 0;

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** What a child needs from this environment: PATH, and HOME and Go's settings (the embedded database may be built first). */
function inherited(): Record<string, string> {
  const names = ['PATH', 'HOME', 'GOPATH', 'GOMODCACHE', 'GOCACHE', 'GOPROXY', 'GOFLAGS', 'GONOSUMDB', 'GOSUMDB'];
  return Object.fromEntries(names.flatMap((name) => (process.env[name] ? [[name, process.env[name]]] : [])));
}

export interface Server {
  name: string;
  port: number;
  child: ChildProcess;
}

/** Starts `node <script>` on core 0 (when taskset exists) and waits until `readyUrl` answers 200. */
export async function startServer(
  name: string,
  script: string,
  env: Record<string, string>,
  port: number,
  readyPath: string,
  cwd: string,
  nodeArgs: string[] = [],
): Promise<Server> {
  const command = hasTaskset ? 'taskset' : process.execPath;
  const args = hasTaskset ? ['-c', '0', process.execPath, ...nodeArgs, script] : [...nodeArgs, script];
  const child = spawn(command, args, {
    cwd,
    env: { ...inherited(), ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  children.add(child);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  child.once('exit', () => children.delete(child));
  const deadline = Date.now() + 180_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}: ${stderr}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}${readyPath}`);
      if (res.status === 200) return { name, port, child };
    } catch {
      // Not listening yet.
    }
    await sleep(250);
  }
  throw new Error(`${name} did not answer within 180 s: ${stderr}`);
}

export async function stopServer(server: Server): Promise<void> {
  if (server.child.exitCode !== null) return;
  const exited = new Promise((resolve) => server.child.once('exit', resolve));
  server.child.kill('SIGTERM');
  const timer = setTimeout(() => server.child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

export function stopAll(): void {
  for (const child of children) child.kill('SIGKILL');
}

/** Resident set size of a process in kB (/proc/<pid>/status VmRSS). */
export function rssKb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no VmRSS for ${pid}`);
  return Number(match[1]);
}

/** CPU time a process has used so far (user + system), in microseconds (/proc/<pid>/stat). */
export function cpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which is in parentheses and may hold spaces: utime and stime are the 12th and 13th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / CLOCK_TICKS;
}

/** Kernel clock ticks per second, the unit of /proc/<pid>/stat's times. */
const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK']).stdout?.toString().trim()) || 100;

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export const randomSecret = () => randomBytes(32).toString('hex');

/** The env of the product under test; SOCKET_EVENT_RATE/BURST raised so the run measures relaying, not the limiter. */
export function productEnv(port: number, dataDir: string, secret: string, dbPort: number) {
  return {
    NODE_ENV: 'production',
    PORT: String(port),
    HOST: '127.0.0.1',
    JWT_SECRET: secret,
    JWT_EXPIRES_IN: '1h',
    DATA_DIR: dataDir,
    EMBEDDED_DB_PORT: String(dbPort),
    LOG_LEVEL: 'warn',
    SOCKET_EVENT_RATE: '100000',
    SOCKET_EVENT_BURST: '100000',
  };
}

export const productScript = (root: string) => join(root, 'dist', 'apps', 'api', 'src', 'main.js');
export const bareScript = () => join(__dirname, 'bare-relay.js');
