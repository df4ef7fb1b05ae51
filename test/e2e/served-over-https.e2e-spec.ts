import { useTestApp } from '../support/app';

describe('security headers when browsers reach the API over HTTPS (SERVED_OVER_HTTPS=true)', () => {
  const t = useTestApp({ env: { SERVED_OVER_HTTPS: 'true' } });

  it('asks browsers to upgrade insecure requests, on pages and on errors alike', async () => {
    for (const url of ['/api/docs', '/api/health/live', '/api/no/such/route', '/api/calls/%zz']) {
      const res = await t.request({ url });
      expect(String(res.headers['content-security-policy'])).toContain('upgrade-insecure-requests');
      expect(res.headers['strict-transport-security']).toMatch(/max-age=\d+/);
    }
  });
});
