import { WorkLimiter } from './work-limiter';

/** A task that finishes when told to, recording when it started. */
function gate(started: number[], id: number) {
  let open!: () => void;
  const done = new Promise<void>((resolve) => (open = resolve));
  return { task: () => (started.push(id), done.then(() => id)), open };
}

describe('WorkLimiter', () => {
  it('runs at most `limit` tasks at once and starts the others in order as slots free up', async () => {
    const limiter = new WorkLimiter(2);
    const started: number[] = [];
    const gates = [0, 1, 2, 3].map((id) => gate(started, id));
    const results = gates.map((g) => limiter.run(g.task));
    await Promise.resolve();
    expect(started).toEqual([0, 1]);
    expect(limiter.load).toEqual({ running: 2, waiting: 2 });

    gates[1].open();
    await results[1];
    await Promise.resolve();
    expect(started).toEqual([0, 1, 2]);
    expect(limiter.load).toEqual({ running: 2, waiting: 1 });

    gates[0].open();
    gates[2].open();
    gates[3].open();
    expect(await Promise.all(results)).toEqual([0, 1, 2, 3]);
    expect(started).toEqual([0, 1, 2, 3]);
    expect(limiter.load).toEqual({ running: 0, waiting: 0 });
  });

  it('frees the slot of a task that fails', async () => {
    const limiter = new WorkLimiter(1);
    await expect(limiter.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await limiter.run(() => Promise.resolve('next'))).toBe('next');
    expect(limiter.load).toEqual({ running: 0, waiting: 0 });
  });

  it('refuses a limit below one', () => {
    expect(() => new WorkLimiter(0)).toThrow(RangeError);
  });
});
