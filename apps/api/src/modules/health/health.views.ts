import { CheckName, CheckResult, HealthReport } from './health.types';

/**
 * What callers without an admin's token see of the summaries when `HEALTH_DETAILS=admin`: the
 * statuses and figures, without what identifies the host (paths, host names, database name,
 * Node and package versions, error texts that may name addresses). Fields are picked, not
 * removed, so a field added to a check later stays out of this view until someone adds it here.
 */

type Data = Record<string, unknown>;

function pick(source: Data | undefined, keys: readonly string[]): Data {
  const picked: Data = {};
  for (const key of keys) if (source?.[key] !== undefined) picked[key] = source[key];
  return picked;
}

/** A check's status and timing, its error text replaced by a fixed one, and only `dataKeys` of its data. */
function checkView(result: CheckResult, failure: string, dataKeys: readonly string[]): CheckResult {
  return {
    status: result.status,
    ...(result.responseTime !== undefined ? { responseTime: result.responseTime } : {}),
    ...(result.message !== undefined ? { message: failure } : {}),
    ...(result.data !== undefined ? { data: pick(result.data, dataKeys) } : {}),
  };
}

/** An optional service of the external check: configured or not, and its status. */
function serviceView(service: unknown, failure: string): Data | undefined {
  if (!service || typeof service !== 'object') return undefined;
  const value = service as Data;
  return {
    ...pick(value, ['status', 'responseTime', 'configured']),
    ...(value.message !== undefined ? { message: failure } : {}),
    ...(value.data !== undefined ? { data: pick(value.data as Data, ['configured']) } : {}),
  };
}

const VIEWS: Record<CheckName, (result: CheckResult) => CheckResult> = {
  database: (r) => checkView(r, 'The database does not answer', ['kind', 'state']),
  memory: (r) => r,
  cpu: (r) => r,
  disk: (r) => checkView(r, 'Disk space is unknown', ['totalGb', 'freeGb', 'usedPercent']),
  external: (r) => ({
    status: r.status,
    data: {
      agora: pick(r.data?.agora as Data, ['status', 'configured']),
      smtp: serviceView(r.data?.smtp, 'The SMTP server does not answer'),
      redis: serviceView(r.data?.redis, 'Redis does not answer'),
      mail: pick(r.data?.mail as Data, ['status', 'transport', 'sent', 'failed', 'lastSentAt', 'lastFailureAt']),
    },
  }),
  dependencies: (r) => checkView(r, 'A required dependency is unhealthy', ['services']),
};

export function checkSummary(name: CheckName, result: CheckResult): CheckResult {
  return VIEWS[name](result);
}

export function reportSummary(report: HealthReport): HealthReport {
  const checks = Object.fromEntries(
    Object.entries(report.checks).map(([name, result]) => [name, checkSummary(name as CheckName, result)]),
  ) as HealthReport['checks'];
  return { status: report.status, uptime: report.uptime, checks, summary: report.summary, realtime: report.realtime };
}

export function versionSummary(version: Data): Data {
  return pick(version, ['name', 'version', 'apiPrefix']);
}
