import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { ROOT, exampleEnv } from './app';

export const MAIN_JS = join(ROOT, 'dist', 'apps', 'api', 'src', 'main.js');

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise((done) => server.close(done));
  return port;
}

/** The TCP ports a process listens on (Linux: its socket inodes looked up in /proc/net/tcp and tcp6). */
export function listeningTcpPorts(pid: number): number[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const inode = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1];
      if (inode) inodes.add(inode);
    } catch {
      // closed meanwhile
    }
  }
  const ports: number[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const row of readFileSync(table, 'utf8').split('\n').slice(1)) {
      // local_address is HEX_IP:HEX_PORT, st 0A is LISTEN, the tenth field the inode.
      const fields = row.trim().split(/\s+/);
      if (fields.length < 10 || fields[3] !== '0A' || !inodes.has(fields[9])) continue;
      ports.push(parseInt(fields[1].split(':').at(-1)!, 16));
    }
  }
  return ports;
}

export interface Spawned {
  child: ChildProcess;
  output: string[];
  /**
   * Resolves with the first output line that matches, or rejects once the output has ended without
   * one (every process holding the pipes, grandchildren included, has closed them).
   */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** A child process whose stdout and stderr lines are collected and can be waited for. */
export function spawnProcess(command: string, args: string[], env: Record<string, string>, cwd = ROOT): Spawned {
  // A process group of its own, signalled as a whole, as a terminal or a supervisor does:
  // npm does not pass SIGTERM on to the script it runs.
  const child = spawn(command, args, {
    detached: true,
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
  });
  const output: string[] = [];
  const listeners = new Set<(line: string) => void>();
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', (line) => {
      output.push(line);
      for (const listener of listeners) listener(line);
    });
  }
  const closed = once(child, 'close');
  const exit = once(child, 'exit').then(([code, signal]) => ({ code, signal }));
  return {
    child,
    output,
    exit,
    waitFor: (pattern, timeoutMs = 90_000) =>
      new Promise<string>((resolve, reject) => {
        const seen = output.find((line) => pattern.test(line));
        if (seen) return resolve(seen);
        const timer = setTimeout(
          () => reject(new Error(`no line matching ${pattern} in ${timeoutMs} ms:\n${output.join('\n')}`)),
          timeoutMs,
        );
        const listener = (line: string) => {
          if (!pattern.test(line)) return;
          clearTimeout(timer);
          listeners.delete(listener);
          resolve(line);
        };
        listeners.add(listener);
        void closed.then(() => {
          clearTimeout(timer);
          const code = child.exitCode ?? child.signalCode;
          reject(new Error(`output ended (exit ${code}) before ${pattern}:\n${output.join('\n')}`));
        });
      }),
  };
}

/** The built API (`node dist/apps/api/src/main.js`) with `.env.example` and the given overrides. */
export function spawnApi(env: Record<string, string>): Spawned {
  return spawnProcess(process.execPath, [MAIN_JS], { ...exampleEnv(), LOG_FORMAT: 'json', LOG_LEVEL: 'info', ...env });
}

export async function stopProcess(spawned: Spawned, signal: NodeJS.Signals = 'SIGTERM') {
  if (spawned.child.exitCode === null && spawned.child.signalCode === null) {
    try {
      process.kill(-spawned.child.pid!, signal);
    } catch {
      // already gone
    }
  }
  return spawned.exit;
}
