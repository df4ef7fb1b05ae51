import pino, { Logger } from 'pino';
import { DeferredRequestLogger, deferredRequestLogger, redactUrl } from './logger';

describe('request log URLs', () => {
  it('redacts the token of email links', () => {
    expect(redactUrl('/api/auth/reset-password/abc_DEF-123')).toBe('/api/auth/reset-password/[redacted]');
    expect(redactUrl('/api/auth/verify-email/xyz?utm=1')).toBe('/api/auth/verify-email/[redacted]?utm=1');
  });

  it('leaves other URLs alone', () => {
    expect(redactUrl('/api/calls/665f1c2ab3e4d5f6a7b8c9d0/join')).toBe('/api/calls/665f1c2ab3e4d5f6a7b8c9d0/join');
  });
});

describe('DeferredRequestLogger', () => {
  function capture(level: pino.LevelWithSilent) {
    const lines: Record<string, unknown>[] = [];
    const stream = { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) };
    const parent = pino({ level, redact: { paths: ['*.token'], censor: '[redacted]' } }, stream);
    const child = jest.spyOn(parent, 'child');
    return { lines, parent, child };
  }

  it('makes no pino child while nothing at an enabled level is written', () => {
    const { lines, parent, child } = capture('warn');
    const log = deferredRequestLogger(parent, { reqId: 'r-1' }, {});
    log.info({ token: 'secret' }, 'request completed');
    log.debug('detail');
    expect(child).not.toHaveBeenCalled();
    expect(lines).toEqual([]);
    expect((log as unknown as Logger).isLevelEnabled('info')).toBe(false);
    expect((log as unknown as Logger).isLevelEnabled('error')).toBe(true);
  });

  it('writes enabled lines through one child carrying the bindings, redacted like the parent', () => {
    const { lines, parent, child } = capture('info');
    const log = deferredRequestLogger(parent, { reqId: 'r-2' }, {});
    log.info({ body: { token: 'secret' } }, 'request completed');
    log.error({ statusCode: 500 }, 'request failed');
    expect(child).toHaveBeenCalledTimes(1);
    expect(lines).toEqual([
      expect.objectContaining({ reqId: 'r-2', body: { token: '[redacted]' }, msg: 'request completed', level: 30 }),
      expect.objectContaining({ reqId: 'r-2', statusCode: 500, msg: 'request failed', level: 50 }),
    ]);
    expect((log.child({ userId: 'u' }) as Logger).bindings()).toEqual({ reqId: 'r-2', userId: 'u' });
  });
});

describe('deferredRequestLogger', () => {
  it('makes the child at once for a route with a log level of its own', () => {
    const lines: string[] = [];
    const parent = pino({ level: 'warn' }, { write: (line: string) => lines.push(line) });
    const log = deferredRequestLogger(parent, { reqId: 'r-3' }, { level: 'debug' });
    expect(log).not.toBeInstanceOf(DeferredRequestLogger);
    log.debug('detail');
    expect(lines).toHaveLength(1);
  });
});
