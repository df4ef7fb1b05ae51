import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import { EmbeddedDb, startEmbeddedDb } from '../../apps/api/src/core/database/embedded-db';
import { userFields } from '../factories/users';
import { ROOT } from '../support/app';
import { freePort, spawnProcess, Spawned, stopProcess } from '../support/processes';

/**
 * No Docker engine runs where the tests run, so the Dockerfile's recipe is replayed by hand: its
 * COPY and RUN steps, stage by stage, each stage in a folder of its own standing for the image's
 * root, then the final stage's CMD with production dependencies only, and its HEALTHCHECK. An
 * instruction this replay does not know fails the test, so the recipe cannot outgrow it unseen.
 */

interface Instruction {
  keyword: string;
  args: string;
}

interface Stage {
  name?: string;
  root: string;
  workdir: string;
  env: Record<string, string>;
  cmd?: string[];
  healthcheck?: string[];
}

function instructions(dockerfile: string): Instruction[] {
  return dockerfile
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const [keyword, ...rest] = line.split(/\s+/);
      return { keyword: keyword.toUpperCase(), args: rest.join(' ') };
    });
}

/** `.dockerignore` as a predicate over paths relative to the build context (last match wins). */
function dockerignore(file: string): (path: string) => boolean {
  const rules = existsSync(file)
    ? readFileSync(file, 'utf8')
        .split('\n')
        .map((line) => line.trim())
        .filter((line) => line && !line.startsWith('#'))
        .map((line) => {
          const negated = line.startsWith('!');
          const pattern = (negated ? line.slice(1) : line).replace(/^\.?\//, '').replace(/\/$/, '');
          const source = pattern
            .split(/(\*\*|\*|\?)/)
            .map((part) =>
              part === '**'
                ? '.*'
                : part === '*'
                  ? '[^/]*'
                  : part === '?'
                    ? '[^/]'
                    : part.replace(/[.+^${}()|[\]\\]/g, '\\$&'),
            )
            .join('');
          return { negated, regex: new RegExp(`^${source}(/|$)`) };
        })
    : [];
  return (path) => rules.reduce((ignored, rule) => (rule.regex.test(path) ? !rule.negated : ignored), false);
}

function parseJsonArray(text: string, what: string): string[] {
  const parsed: unknown = JSON.parse(text);
  if (!Array.isArray(parsed) || !parsed.every((item) => typeof item === 'string')) {
    throw new Error(`${what} must be a JSON array of strings (exec form): ${text}`);
  }
  return parsed;
}

/** Replays the Dockerfile into `into`; returns the stages, the last one being the image. */
function replay(into: string, log: string[]): Stage[] {
  const ignored = dockerignore(join(ROOT, '.dockerignore'));
  const stages: Stage[] = [];
  const inStage = (stage: Stage, path: string) =>
    path.startsWith('/') ? join(stage.root, path) : join(stage.root, stage.workdir, path);

  for (const { keyword, args } of instructions(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'))) {
    const stage = stages.at(-1);
    if (keyword === 'FROM') {
      const name = /\bAS\s+(\S+)$/i.exec(args)?.[1];
      const root = join(into, `stage-${stages.length}`);
      mkdirSync(root);
      // The base image's environment: what node:20 sets that matters here is node on the PATH.
      stages.push({ name, root, workdir: '/', env: {} });
      continue;
    }
    if (!stage) throw new Error(`${keyword} before FROM`);
    switch (keyword) {
      case 'WORKDIR':
        stage.workdir = args.startsWith('/') ? args : join(stage.workdir, args);
        mkdirSync(inStage(stage, '.'), { recursive: true });
        break;
      case 'ENV':
        for (const pair of args.split(/\s+/)) {
          const match = /^([A-Za-z_][A-Za-z0-9_]*)=([^"'\s]*)$/.exec(pair);
          if (!match) throw new Error(`ENV in the KEY=value form without quotes only: ${pair}`);
          stage.env[match[1]] = match[2];
        }
        break;
      case 'COPY': {
        const words = args.split(/\s+/);
        const flags = words.filter((w) => w.startsWith('--'));
        const paths = words.filter((w) => !w.startsWith('--'));
        const from = flags.find((f) => f.startsWith('--from='))?.slice('--from='.length);
        const unknown = flags.filter((f) => !f.startsWith('--from=') && !f.startsWith('--chown='));
        if (unknown.length) throw new Error(`COPY flags not replayed: ${unknown.join(' ')}`);
        const dest = paths.pop()!;
        const intoDir = dest.endsWith('/') || paths.length > 1;
        const source = from === undefined ? undefined : stages.find((s) => s.name === from);
        if (from !== undefined && !source) throw new Error(`COPY --from=${from}: no such stage`);
        for (const src of paths) {
          if (/[*?[]/.test(src)) throw new Error(`COPY with a wildcard is not replayed: ${src}`);
          const absolute = source ? inStage(source, src) : join(ROOT, src);
          if (!existsSync(absolute) || (!source && ignored(relative(ROOT, absolute)))) {
            throw new Error(`COPY ${src}: not found in the ${source ? `stage ${from}` : 'build context'}`);
          }
          const isDir = statSync(absolute).isDirectory();
          const target = intoDir && !isDir ? join(inStage(stage, dest), basename(src)) : inStage(stage, dest);
          if (source && isDir) {
            // node_modules is large: hard links, as a layer would share the files.
            mkdirSync(target, { recursive: true });
            const cp = spawnSync('cp', ['-al', `${absolute}/.`, target]);
            if (cp.status !== 0) throw new Error(`COPY ${src}: ${cp.stderr.toString()}`);
          } else {
            cpSync(absolute, target, {
              recursive: true,
              filter: (path) => source !== undefined || !ignored(relative(ROOT, path)),
            });
          }
        }
        break;
      }
      case 'RUN': {
        log.push(`$ ${args}`);
        const run = spawnSync('sh', ['-c', args], {
          cwd: inStage(stage, '.'),
          env: {
            PATH: process.env.PATH ?? '',
            HOME: process.env.HOME ?? '/tmp',
            ...stage.env,
            // The npm cache of this machine serves what it holds (the registry is asked for the rest).
            npm_config_prefer_offline: 'true',
            npm_config_update_notifier: 'false',
          },
          encoding: 'utf8',
          maxBuffer: 64 * 1024 * 1024,
        });
        log.push(run.stdout, run.stderr);
        if (run.status !== 0) throw new Error(`RUN ${args} exited with ${run.status}:\n${log.join('\n').slice(-4000)}`);
        break;
      }
      case 'CMD':
        stage.cmd = parseJsonArray(args, 'CMD');
        break;
      case 'HEALTHCHECK': {
        const cmd = /\bCMD\s+(\[.*\])$/.exec(args)?.[1];
        if (!cmd) throw new Error(`HEALTHCHECK needs CMD in exec form: ${args}`);
        stage.healthcheck = parseJsonArray(cmd, 'HEALTHCHECK CMD');
        break;
      }
      case 'USER':
      case 'EXPOSE':
      case 'STOPSIGNAL':
        break;
      default:
        throw new Error(`Dockerfile instruction ${keyword} is not replayed by this test; teach it`);
    }
  }
  return stages;
}

function runCommand(command: string[], cwd: string, env: Record<string, string>): Promise<number | null> {
  return new Promise((resolve) => {
    const child = spawn(command[0], command.slice(1), { cwd, env: { PATH: process.env.PATH ?? '', ...env } });
    child.once('error', () => resolve(null));
    child.once('exit', (code) => resolve(code));
  });
}

describe('the Dockerfile', () => {
  let folder: string;
  let db: EmbeddedDb | undefined;
  let api: Spawned | undefined;

  beforeAll(() => {
    folder = mkdtempSync(join(tmpdir(), 'vc-docker-'));
  });
  afterAll(async () => {
    if (api) await stopProcess(api, 'SIGKILL');
    await db?.stop();
    rmSync(folder, { recursive: true, force: true });
  });

  it('builds an image whose API starts with production dependencies only, passes its HEALTHCHECK and registers a user', async () => {
    const log: string[] = [];
    const stages = replay(folder, log);
    const image = stages.at(-1)!;
    const app = join(image.root, image.workdir);
    expect(image.cmd).toBeDefined();
    expect(image.healthcheck).toBeDefined();

    // `npm ci` kept the promise of package.json's engines on this Node: not one engine warning.
    expect(log.join('\n')).not.toMatch(/EBADENGINE/);
    // Production dependencies only.
    expect(existsSync(join(app, 'node_modules', '@nestjs', 'core'))).toBe(true);
    for (const devOnly of ['jest', 'eslint', 'prettier', '@swc/cli']) {
      expect([devOnly, existsSync(join(app, 'node_modules', devOnly))]).toEqual([devOnly, false]);
    }

    // The database runs beside the container, reached over TCP as a container would.
    db = await startEmbeddedDb({
      dataDir: join(folder, 'db'),
      port: await freePort(),
      log: { info: () => undefined, warn: () => undefined },
    });
    const port = await freePort();
    const env = {
      ...image.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      MONGODB_URI: `${db.tcpUri}docker_recipe`,
      JWT_SECRET: randomBytes(32).toString('hex'),
      // A volume for the image's DATA_DIR (the mail outbox).
      DATA_DIR: join(folder, 'volume'),
    };
    const [command, ...args] = image.cmd!;
    api = spawnProcess(command === 'node' ? process.execPath : command, args, env, app);

    // HEALTHCHECK: failures count only after the start period; it must pass well within it.
    let healthy: number | null = null;
    for (const deadline = Date.now() + 60_000; Date.now() < deadline && api.child.exitCode === null;) {
      healthy = await runCommand(image.healthcheck!, app, env);
      if (healthy === 0) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect({ healthy, output: healthy === 0 ? '' : api.output.join('\n') }).toEqual({ healthy: 0, output: '' });

    const res = await fetch(`http://127.0.0.1:${port}/api/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(userFields()),
    });
    expect(res.status).toBe(201);
    expect((await stopProcess(api)).code).toBe(0);
  }, 600_000);
});
