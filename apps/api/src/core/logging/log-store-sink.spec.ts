import { createLogger } from './logger';
import { LogStoreSink, logStoreSinkOf, MAX_PENDING_LINES, StoredLogLine } from './log-store-sink';

function capture(level: 'silent' | 'info' | 'error') {
  const logger = createLogger({ log: { level, format: 'json' } });
  const sink = logStoreSinkOf(logger)!;
  const stored: StoredLogLine[] = [];
  sink.attach(async (batch) => void stored.push(...batch));
  return { logger, sink, stored };
}

describe('log store sink', () => {
  it('receives warnings and errors whatever LOG_LEVEL says, and nothing below', async () => {
    for (const level of ['silent', 'info', 'error'] as const) {
      const { logger, sink, stored } = capture(level);
      logger.info('an info line');
      logger.warn({ reqId: 'req-1' }, 'a warning');
      logger.child({ context: 'Billing' }).error(new Error('boom'));
      await sink.flush();
      expect(stored.map((line) => [line.level, line.message])).toEqual([
        ['warn', 'a warning'],
        ['error', 'boom'],
      ]);
      expect(stored[0].requestId).toBe('req-1');
      expect(stored[1].context).toBe('Billing');
    }
  });

  it('stores no secrets, at any depth', async () => {
    const { logger, sink, stored } = capture('silent');
    logger.warn(
      { password: 'Secret123', body: { user: { passwordHash: '$2b$12$x', tokenVersion: 2 }, refreshToken: 'abc' } },
      'with secrets',
    );
    await sink.flush();
    const text = JSON.stringify(stored);
    expect(text).not.toMatch(/Secret123|\$2b\$12|abc/);
    expect(stored[0].details).toMatchObject({ body: { user: { tokenVersion: 2 } } });
  });

  it('drops the oldest lines beyond its bound while nothing drains it', () => {
    const sink = new LogStoreSink();
    for (let i = 0; i < MAX_PENDING_LINES + 5; i += 1) {
      sink.write(JSON.stringify({ level: 40, time: new Date().toISOString(), msg: `line ${i}` }));
    }
    expect(sink.dropped).toBe(5);
  });
});
