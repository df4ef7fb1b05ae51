import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
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
export function spawnProcess(command: string, args: string[], env: Record<string, string>): Spawned {
  // A process group of its own, signalled as a whole, as a terminal or a supervisor does:
  // npm does not pass SIGTERM on to the script it runs.
  const child = spawn(command, args, {
    detached: true,
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
  });
  const output: string[] = [];
  const listeners = new Set<(line: string) => void>();
  for (const stream of [child.stdout!, child.stderr!]) {
    createInterface({ input: stream }).on('line', (line) => {
      output.push(line);
      for (const listener of listeners) listener(line);
    });
  }
  const closed = once(child, 'close');
  const exit = once(child, 'exit').then(
    ([code, signal]) => ({ code, signal }) as { code: number | null; signal: NodeJS.Signals | null },
  );
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
