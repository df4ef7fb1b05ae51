import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'pino';
import { buildApp } from './configure-app';
import { AppConfig } from './core/config/app-config';
import { EmbeddedDb, startEmbeddedDb } from './core/database/embedded-db';

export interface RunningApp {
  app: NestFastifyApplication;
  config: AppConfig;
  embeddedDb?: EmbeddedDb;
  /** Stops accepting, finishes in-flight requests, closes the database, stops the embedded one. */
  close(): Promise<void>;
}

/**
 * Starts the API: the embedded database first when MONGODB_URI is unset, then the app on
 * HOST:PORT. Used by main.ts; tests that need a real process use the built main.js.
 */
export async function startApi(config: AppConfig, logger: Logger): Promise<RunningApp> {
  let embeddedDb: EmbeddedDb | undefined;
  let resolved = config;
  if (config.database.embedded) {
    const log = logger.child({ context: 'EmbeddedDb' });
    embeddedDb = await startEmbeddedDb({
      dataDir: config.database.dataDir,
      port: config.database.embeddedPort,
      log: { info: (m) => log.info(m), warn: (m) => log.warn(m) },
    });
    resolved = { ...config, database: { ...config.database, uri: embeddedDb.uri } };
    log.info({ uri: embeddedDb.uri, dataDir: config.database.dataDir }, 'embedded database ready');
  }
  try {
    const app = await buildApp(resolved, logger);
    await app.listen(resolved.port, resolved.host);
    return {
      app,
      config: resolved,
      embeddedDb,
      close: async () => {
        await app.close();
        await embeddedDb?.stop();
      },
    };
  } catch (error) {
    await embeddedDb?.stop();
    throw error;
  }
}
