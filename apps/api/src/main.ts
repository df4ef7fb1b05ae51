import 'reflect-metadata';
import { AddressInfo } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { withDevelopmentJwtSecret } from './core/config/app-config';
import { loadConfigOrExit } from './core/config/env-file';
import { EmbeddedDbError } from './core/database/embedded-db';
import { createLogger } from './core/logging/logger';
import { startApi } from './start-api';

async function main(): Promise<void> {
  const config = withDevelopmentJwtSecret(loadConfigOrExit());
  const logger = createLogger(config);
  // Set before the app allocates its state: V8 reads it each time it sizes the heap after a full
  // collection (docs/architecture.md, "Memory").
  if (config.heapGrowthPercent > 0) setFlagsFromString(`--heap-growing-percent=${config.heapGrowthPercent}`);
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

  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
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
