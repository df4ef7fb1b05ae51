import { redactUrl } from './logger';

describe('request log URLs', () => {
  it('redacts the token of email links', () => {
    expect(redactUrl('/api/auth/reset-password/abc_DEF-123')).toBe('/api/auth/reset-password/[redacted]');
    expect(redactUrl('/api/auth/verify-email/xyz?utm=1')).toBe('/api/auth/verify-email/[redacted]?utm=1');
  });

  it('leaves other URLs alone', () => {
    expect(redactUrl('/api/calls/665f1c2ab3e4d5f6a7b8c9d0/join')).toBe('/api/calls/665f1c2ab3e4d5f6a7b8c9d0/join');
  });
});
