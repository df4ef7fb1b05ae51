import { Global, Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import mongoose from 'mongoose';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { IndexesReady } from './indexes-ready';

export const DEFAULT_DATABASE_NAME = 'video_call';

/** The database name: the URI's path when it names one, else `video_call`. */
export function databaseName(uri: string): string {
  const path = new URL(uri.replace(/^mongodb\+srv:/, 'mongodb:')).pathname.replace(/^\//, '');
  return decodeURIComponent(path) || DEFAULT_DATABASE_NAME;
}

/** Present (true) in command-line tools: their connection leaves indexes alone. */
export const DATABASE_TOOL = Symbol('DATABASE_TOOL');

/**
 * Mounted beside the app's modules by command-line tools (the CLI). The server builds the indexes
 * at start-up (IndexesReady); a tool run beside it, or before it, must not repeat that on every run.
 */
@Global()
@Module({ providers: [{ provide: DATABASE_TOOL, useValue: true }], exports: [DATABASE_TOOL] })
export class ToolDatabaseModule {}

// Mongoose keeps the stack of every query it runs (a new Error and its formatted stack, for the
// message of a query run twice): a few percent of an authenticated read's CPU for a message no
// code path of ours can produce. Set on the Mongoose instance every connection hangs from.
mongoose.set('skipOriginalStackTraces', true);

@Module({
  imports: [
    MongooseModule.forRootAsync({
      inject: [APP_CONFIG, { token: DATABASE_TOOL, optional: true }],
      useFactory: (config: AppConfig, tool?: boolean) => {
        if (!config.database.uri) throw new Error('The database URI is resolved before the app is created');
        return {
          uri: config.database.uri,
          dbName: databaseName(config.database.uri),
          // While the database is unreachable a query fails after MONGODB_TIMEOUT_MS (the request
          // answers 503) instead of waiting for it; a connection that breaks fails its queries at
          // once. A database that keeps its connections open but answers nothing (frozen, or a
          // network that drops packets) fails the monitor's next check, which interrupts the queries
          // waiting on it: within about 1.5 × the timeout. No socket timeout: a slow query is not
          // an unreachable database.
          serverSelectionTimeoutMS: config.database.timeoutMs,
          connectTimeoutMS: config.database.timeoutMs,
          heartbeatFrequencyMS: Math.max(500, Math.round(config.database.timeoutMs / 2)),
          // A failed query should fail now, not wait in Mongoose's buffer until the database is back.
          bufferCommands: false,
          autoIndex: !tool,
          // No schema needs a collection created with options, and creating the indexes creates the
          // collection: Mongoose's createCollection on every start only earns a NamespaceExists
          // answer per collection, which the embedded database logs as a warning.
          autoCreate: false,
        };
      },
    }),
  ],
  providers: [IndexesReady],
})
export class DatabaseModule {}
