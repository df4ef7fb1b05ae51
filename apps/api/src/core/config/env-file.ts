import { existsSync, readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';

/**
 * Reads a dotenv file into a copy of `env`. Variables already set in the environment win,
 * so a deployment's real environment always overrides the file.
 */
export function withEnvFile(env: NodeJS.ProcessEnv, file = '.env'): Record<string, string | undefined> {
  if (!existsSync(file)) return { ...env };
  return { ...parseEnv(readFileSync(file, 'utf8')), ...env };
}
