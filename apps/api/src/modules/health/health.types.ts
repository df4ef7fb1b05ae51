export type HealthStatus = 'healthy' | 'warning' | 'unhealthy';

/** One check of the comprehensive health report. */
export interface CheckResult {
  status: HealthStatus;
  /** Milliseconds the check took, for checks that talk to something. */
  responseTime?: number;
  message?: string;
  data?: Record<string, unknown>;
}

export const CHECK_NAMES = ['database', 'memory', 'cpu', 'disk', 'external', 'dependencies'] as const;
export type CheckName = (typeof CHECK_NAMES)[number];

export interface HealthReport {
  status: HealthStatus;
  uptime: number;
  checks: Record<CheckName, CheckResult>;
  summary: { total: number; healthy: number; unhealthy: number; warning: number };
  /** Figures of the Socket.IO gateway on this instance (not a check: they never change the status). */
  realtime: { connectedSockets: number };
}

/** The worst of several statuses. */
export function worstOf(statuses: HealthStatus[]): HealthStatus {
  if (statuses.includes('unhealthy')) return 'unhealthy';
  if (statuses.includes('warning')) return 'warning';
  return 'healthy';
}

/** A ratio against two thresholds: below `warn` is healthy, from `fail` on unhealthy. */
export function byThreshold(ratio: number, warn: number, fail: number): HealthStatus {
  if (ratio >= fail) return 'unhealthy';
  if (ratio >= warn) return 'warning';
  return 'healthy';
}

export function summarize(checks: Record<CheckName, CheckResult>): HealthReport['summary'] {
  const statuses = Object.values(checks).map((c) => c.status);
  return {
    total: statuses.length,
    healthy: statuses.filter((s) => s === 'healthy').length,
    unhealthy: statuses.filter((s) => s === 'unhealthy').length,
    warning: statuses.filter((s) => s === 'warning').length,
  };
}

export function formatDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  const parts = [
    [Math.floor(seconds / 86_400), 'd'],
    [Math.floor((seconds % 86_400) / 3600), 'h'],
    [Math.floor((seconds % 3600) / 60), 'm'],
    [seconds % 60, 's'],
  ] as const;
  const first = parts.findIndex(([value]) => value > 0);
  return parts
    .slice(first === -1 ? parts.length - 1 : first)
    .map(([value, unit]) => `${value}${unit}`)
    .join(' ');
}

/** Races a promise against a timeout; resolves to the timeout's error instead of hanging. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
