import 'reflect-metadata';
import { AddressInfo } from 'node:net';
import { withDevelopmentJwtSecret } from './core/config/app-config';
import { loadConfigOrExit } from './core/config/env-file';
import { EmbeddedDbError } from './core/database/embedded-db';
import { createLogger } from './core/logging/logger';
import { startQuietCompaction } from './core/runtime/quiet-compaction';
import { startApi } from './start-api';

async function main(): Promise<void> {
  const config = withDevelopmentJwtSecret(loadConfigOrExit());
  const logger = createLogger(config);
  if (config.jwt.secretGenerated) {
    logger.warn(
      `JWT_SECRET is not set; using a generated one kept in ${config.database.dataDir}/jwt-secret (never do this in production)`,
    );
  }

  let running: Awaited<ReturnType<typeof startApi>>;
  try {
    running = await startApi(config, logger);
  } catch (error) {
    if (error instanceof EmbeddedDbError) {
      logger.fatal(error.message);
      logger.flush();
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const host = config.host === '0.0.0.0' ? 'localhost' : config.host;
  const address = `http://${host}:${(running.app.getHttpServer().address() as AddressInfo).port}`;
  logger.info(`Video Call API listening on ${address}/api (docs: ${address}/api/docs)`);
  // Returns the garbage of a crowd of connections once things are quiet (docs/architecture.md, "Memory").
  const stopQuietGc = startQuietCompaction(config.quietGcSeconds, logger);

  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    stopQuietGc();
    const force = setTimeout(() => {
      logger.error('shutdown took too long; exiting');
      process.exit(1);
    }, config.shutdownTimeoutSeconds * 1000);
    force.unref();
    running
      .close()
      .then(() => {
        logger.info('stopped');
        logger.flush();
        process.exit(0);
      })
      .catch((error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

main().catch((error: unknown) => {
  process.stderr.write(`Failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
