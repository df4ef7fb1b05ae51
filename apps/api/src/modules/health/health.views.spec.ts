import { HealthReport } from './health.types';
import { checkSummary, reportSummary, versionSummary } from './health.views';

describe('health summaries for callers without an admin token', () => {
  it('keeps the disk figures and drops the path, also from the failure message', () => {
    expect(
      checkSummary('disk', {
        status: 'healthy',
        data: { path: '/srv/data', totalGb: 10, freeGb: 4, usedPercent: 60 },
      }),
    ).toEqual({ status: 'healthy', data: { totalGb: 10, freeGb: 4, usedPercent: 60 } });
    expect(
      checkSummary('disk', { status: 'unhealthy', message: 'Disk space of /srv/data is unknown: EACCES' }),
    ).toEqual({ status: 'unhealthy', message: 'Disk space is unknown' });
  });

  it('leaves out a field nobody has classified yet', () => {
    const database = checkSummary('database', {
      status: 'unhealthy',
      responseTime: 1500,
      message: 'connect ECONNREFUSED 10.0.0.5:27017',
      data: { kind: 'mongodb', state: 'disconnected', name: 'video_call', replicaSetHosts: ['10.0.0.5'] },
    });
    expect(database).toEqual({
      status: 'unhealthy',
      responseTime: 1500,
      message: 'The database does not answer',
      data: { kind: 'mongodb', state: 'disconnected' },
    });
  });

  it('says whether each external service is configured and up, not where it is', () => {
    const external = checkSummary('external', {
      status: 'warning',
      data: {
        agora: { status: 'healthy', configured: true },
        smtp: {
          status: 'unhealthy',
          responseTime: 3,
          message: 'SMTP server mail.internal:587: connect ECONNREFUSED',
          data: { configured: true, host: 'mail.internal', port: 587 },
        },
        redis: { status: 'healthy', configured: false },
        mail: { status: 'healthy', transport: 'smtp', sent: 2, failed: 0, lastSentAt: null, lastFailureAt: null },
      },
    });
    expect(external).toEqual({
      status: 'warning',
      data: {
        agora: { status: 'healthy', configured: true },
        smtp: {
          status: 'unhealthy',
          responseTime: 3,
          message: 'The SMTP server does not answer',
          data: { configured: true },
        },
        redis: { status: 'healthy', configured: false },
        mail: { status: 'healthy', transport: 'smtp', sent: 2, failed: 0, lastSentAt: null, lastFailureAt: null },
      },
    });
    expect(JSON.stringify(external)).not.toContain('mail.internal');
  });

  it('keeps the statuses, the counts and the socket figures of the full report', () => {
    const ok = { status: 'healthy' as const, data: {} };
    const report: HealthReport = {
      status: 'warning',
      uptime: 1000,
      checks: {
        database: ok,
        memory: { status: 'warning', data: { heapUsedMb: 900 } },
        cpu: ok,
        disk: ok,
        external: { status: 'healthy', data: {} },
        dependencies: { status: 'healthy', data: { node: 'v20.20.0', packages: { fastify: '5.8.0' }, services: {} } },
      },
      summary: { total: 6, healthy: 5, unhealthy: 0, warning: 1 },
      realtime: { connectedSockets: 3 },
    };
    const summary = reportSummary(report);
    expect(summary).toMatchObject({
      status: 'warning',
      uptime: 1000,
      summary: report.summary,
      realtime: report.realtime,
    });
    expect(summary.checks.memory).toEqual(report.checks.memory);
    expect(summary.checks.dependencies).toEqual({ status: 'healthy', data: { services: {} } });
  });

  it('names the API version without the runtime versions', () => {
    expect(
      versionSummary({
        name: 'video-call-api',
        version: '1.2.3',
        node: 'v20.20.0',
        nest: '^12.0.0',
        apiPrefix: '/api',
      }),
    ).toEqual({ name: 'video-call-api', version: '1.2.3', apiPrefix: '/api' });
  });
});
