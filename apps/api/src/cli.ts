import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { getConnectionToken } from '@nestjs/mongoose';
import { Connection } from 'mongoose';
import { Logger } from 'pino';
import { CliModule, CliNeeds } from './cli.module';
import { AppConfig } from './core/config/app-config';
import { loadConfigOrExit } from './core/config/env-file';
import {
  EmbeddedDb,
  EmbeddedDbError,
  EmbeddedDbInUseError,
  EmbeddedDbUnreachableError,
  runningEmbeddedDb,
  startEmbeddedDb,
} from './core/database/embedded-db';
import { createLogger, PinoNestLogger } from './core/logging/logger';
import { restoreArchive, RestoreRefused, RollupRebuildService } from './modules/admin';
import { AdminAccountsService } from './modules/auth';
import { meetsPasswordPolicy, PASSWORD_MESSAGE } from '@app/common';

const USAGE = `Usage: npm run cli -- <command> [options]

Commands:
  create-admin --email <email> --password <password> [--first-name <name>] [--last-name <name>] [--promote]
      Creates an admin account (email verified) unless one with this email exists.
      An existing non-admin account is left alone unless --promote is given, which makes it admin.
      An existing account keeps its password.

  rebuild-rollups
      Recomputes the admin dashboard's and analytics' rollups from the users, calls and
      participants (for data from before they were kept, after a restore, or after a crash between
      a change and its rollup). Reads every document once; run it while the API is quiet.

  restore <file> [--force]
      Loads a backup archive (POST /api/admin/system/backup: gzipped EJSON lines) into the database.
      Refuses a database that holds any document unless --force is given, which replaces each
      collection of the archive. Stop the servers that use the database first.

Configuration comes from the environment and .env, as for the server (MONGODB_URI, DATA_DIR, ...).
Without MONGODB_URI it uses the embedded database in DATA_DIR: the one a running server started
there, or one of its own for the time of the command.

Exit codes: 0 done, 1 not done (create-admin: the account exists and is not an admin; restore:
the database is not empty), 2 bad arguments, 75 the embedded database in DATA_DIR is in use by a
process whose address cannot be read, 78 bad configuration.
`;

/** EX_TEMPFAIL: DATA_DIR's embedded database is run by a process this one cannot reach. */
const EXIT_DATABASE_IN_USE = 75;

/** A usage error: the usage text goes to stderr and the exit code is 2. */
class UsageError extends Error {}

interface CreateAdminArgs {
  email: string;
  password: string;
  firstName?: string;
  lastName?: string;
  promote: boolean;
}

function parseCreateAdmin(args: string[]): CreateAdminArgs {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        email: { type: 'string' },
        password: { type: 'string' },
        'first-name': { type: 'string' },
        'last-name': { type: 'string' },
        promote: { type: 'boolean', default: false },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const email = typeof values.email === 'string' ? values.email.trim().toLowerCase() : '';
  const password = typeof values.password === 'string' ? values.password : '';
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) throw new UsageError('--email must be an email address');
  if (!meetsPasswordPolicy(password)) throw new UsageError(`--${PASSWORD_MESSAGE}`);
  const name = (flag: 'first-name' | 'last-name') => {
    const value = values[flag];
    if (value === undefined) return undefined;
    const trimmed = String(value).trim();
    if (trimmed.length < 1 || trimmed.length > 50) throw new UsageError(`--${flag} must be 1 to 50 characters`);
    return trimmed;
  };
  return {
    email,
    password,
    firstName: name('first-name'),
    lastName: name('last-name'),
    promote: values.promote === true,
  };
}

interface RestoreArgs {
  file: string;
  force: boolean;
}

function parseRestore(args: string[]): RestoreArgs {
  try {
    const { values, positionals } = parseArgs({
      args,
      strict: true,
      allowPositionals: true,
      options: { force: { type: 'boolean', default: false } },
    });
    if (positionals.length !== 1) throw new UsageError('restore takes one archive file');
    return { file: positionals[0], force: values.force === true };
  } catch (error) {
    throw error instanceof UsageError ? error : new UsageError((error as Error).message);
  }
}

async function createAdmin(config: AppConfig, args: CreateAdminArgs): Promise<number> {
  return withApp(config, 'accounts', async (app) => {
    const { result, user } = await app.get(AdminAccountsService).ensureAdmin(args, { promote: args.promote });
    const id = user._id.toHexString();
    const lines = {
      created: `admin account created: ${user.email} (id ${id})`,
      exists: `${user.email} is already an admin (id ${id}); nothing changed`,
      promoted: `${user.email} promoted to admin (id ${id})`,
      'not-admin': `${user.email} exists with role ${user.role} (id ${id}); nothing changed (add --promote to make it an admin)`,
    };
    process.stdout.write(`${lines[result]}\n`);
    return result === 'not-admin' ? 1 : 0;
  });
}

async function restore(config: AppConfig, args: RestoreArgs): Promise<number> {
  return withApp(config, 'database', async (app, logger) => {
    const db = app.get<Connection>(getConnectionToken()).db;
    if (!db) throw new Error('no database connection');
    try {
      const result = await restoreArchive(db, args.file, { force: args.force });
      const counts = Object.entries(result.collections).map(([name, count]) => `${name} ${count}`);
      for (const problem of result.indexErrors) logger.warn({ problem }, 'an index of the archive was not recreated');
      process.stdout.write(
        `restored ${args.file}: ${counts.join(', ') || 'no collections'}; ${result.indexes} indexes\n`,
      );
      return 0;
    } catch (error) {
      if (!(error instanceof RestoreRefused)) throw error;
      process.stderr.write(`restore refused: ${error.message}\n`);
      return 1;
    }
  });
}

async function rebuildRollups(config: AppConfig): Promise<number> {
  return withApp(config, 'rollups', async (app) => {
    const summary = await app.get(RollupRebuildService).rebuild();
    process.stdout.write(`rollups rebuilt: ${JSON.stringify(summary)}\n`);
    return 0;
  });
}

/**
 * Runs a command with the app's services on the configured database: MONGODB_URI, else the
 * embedded database in DATA_DIR (the one a running server started there, or one of its own for
 * the time of the command).
 */
async function withApp(
  config: AppConfig,
  needs: CliNeeds,
  run: (app: INestApplicationContext, logger: Logger) => Promise<number>,
): Promise<number> {
  // The CLI's own output is its one result line; the app's info logs would drown it.
  const logger = createLogger({
    log: { ...config.log, level: config.log.level === 'info' ? 'warn' : config.log.level },
  });
  let embeddedDb: EmbeddedDb | undefined;
  let resolved = config;
  if (config.database.embedded) {
    let uri: string;
    try {
      // The CLI never needs TCP: the socket only, whatever EMBEDDED_DB_PORT says.
      embeddedDb = await startEmbeddedDb({
        dataDir: config.database.dataDir,
        port: 0,
        log: { info: (m) => logger.info(m), warn: (m) => logger.warn(m) },
      });
      uri = embeddedDb.uri;
    } catch (error) {
      if (!(error instanceof EmbeddedDbInUseError)) throw error;
      // A server runs on this DATA_DIR: use its database, as one more client.
      uri = (await runningEmbeddedDb(config.database.dataDir)).uri;
    }
    resolved = { ...config, database: { ...config.database, uri } };
  }
  try {
    const app = await NestFactory.createApplicationContext(CliModule.register(resolved, logger, needs), {
      logger: new PinoNestLogger(logger),
      abortOnError: false,
    });
    try {
      return await run(app, logger);
    } finally {
      await app.close();
    }
  } finally {
    await embeddedDb?.stop();
  }
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(USAGE);
    return command === undefined ? 2 : 0;
  }
  if (command === 'create-admin') {
    const args = parseCreateAdmin(rest);
    return createAdmin(loadConfigOrExit(), args);
  }
  if (command === 'rebuild-rollups') {
    if (rest.length > 0) throw new UsageError('rebuild-rollups takes no arguments');
    return rebuildRollups(loadConfigOrExit());
  }
  if (command === 'restore') {
    const args = parseRestore(rest);
    return restore(loadConfigOrExit(), args);
  }
  throw new UsageError(`unknown command: ${command}`);
}

const command = process.argv[2] ?? 'cli';

main(process.argv.slice(2))
  .then((code) => process.exit(code))
  .catch((error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`${error.message}\n\n${USAGE}`);
      process.exit(2);
    }
    if (error instanceof EmbeddedDbUnreachableError) {
      process.stderr.write(`${command} failed: ${error.message}\n`);
      process.exit(EXIT_DATABASE_IN_USE);
    }
    const message =
      error instanceof EmbeddedDbError
        ? error.message
        : error instanceof Error
          ? (error.stack ?? error.message)
          : String(error);
    process.stderr.write(`${command} failed: ${message}\n`);
    process.exit(1);
  });
