import { spawn } from 'node:child_process';
import { loadConfigOrExit } from './core/config/env-file';
import { EmbeddedDbError, ensureEmbeddedDbBinary } from './core/database/embedded-db';

/**
 * `npm run db`: the embedded database alone, in the foreground, on 127.0.0.1 as well as on its
 * Unix socket. It prints `MONGODB_URI=mongodb://127.0.0.1:<port>/` once it answers; give that URI
 * to each app process that should share it. EMBEDDED_DB_PORT picks the port (0: a free one),
 * DATA_DIR the data.
 */
async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const log = {
    info: (m: string) => process.stderr.write(`${m}\n`),
    warn: (m: string) => process.stderr.write(`${m}\n`),
  };
  const binary = await ensureEmbeddedDbBinary(log);
  // `--port 0` is a free port: here TCP is the point, unlike for the app, where 0 means none.
  const child = spawn(binary, ['--data-dir', config.database.dataDir, '--port', String(config.database.embeddedPort)], {
    stdio: 'inherit',
  });
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => child.kill(signal));
  }
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

main().catch((error: unknown) => {
  const known = error instanceof EmbeddedDbError;
  process.stderr.write(`${known ? error.message : String((error as Error).stack ?? error)}\n`);
  process.exit(1);
});
