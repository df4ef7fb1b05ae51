import { existsSync, readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { AppConfig, ConfigError, loadConfig } from './app-config';

/**
 * Reads a dotenv file into a copy of `env`. Variables already set in the environment win,
 * so a deployment's real environment always overrides the file.
 */
export function withEnvFile(env: NodeJS.ProcessEnv, file = '.env'): Record<string, string | undefined> {
  if (!existsSync(file)) return { ...env };
  return { ...parseEnv(readFileSync(file, 'utf8')), ...env };
}

/**
 * The configuration of a process started from the command line (the server, the CLI): the
 * environment plus `.env`; a bad value prints the message naming it and exits 78 (EX_CONFIG).
 */
export function loadConfigOrExit(): AppConfig {
  try {
    return loadConfig(withEnvFile(process.env));
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(78);
  }
}
