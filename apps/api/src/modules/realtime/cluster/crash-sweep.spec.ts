import pino from 'pino';
import { LiveSessionRecord, UserConnections } from '../../users';
import { CrashSweep } from './crash-sweep';
import { InstanceLeaseRecord } from './instance-lease.schema';
import { InstanceLeaseRepository } from './instance-lease.repository';
import { LocalInstance } from './local-instance';
import { LostSession, SessionLoss } from './session-loss';

const renewedAt = new Date('2026-01-01T10:00:00Z');
const lease = (id: string): InstanceLeaseRecord => ({
  _id: id,
  renewedAt,
  expiresAt: new Date(renewedAt.getTime() + 15_000),
});
const session = (userId: string, instanceId: string, rooms: string[] = []): LiveSessionRecord => ({
  _id: userId,
  instanceId,
  socketId: `s-${userId}`,
  since: renewedAt,
  rooms,
});

/** A sweep over fakes: `held` are the sessions still held by each instance (the rest were taken over). */
function sweepOver(options: {
  leases: InstanceLeaseRecord[];
  sessions: LiveSessionRecord[];
  held: Set<string>;
  failOn?: string;
}) {
  const claimed = new Set<string>();
  const restored: string[] = [];
  const lost: LostSession[] = [];
  const leases = {
    expired: () => Promise.resolve(options.leases),
    claim: (l: InstanceLeaseRecord) => Promise.resolve(!claimed.has(l._id) && Boolean(claimed.add(l._id))),
    restore: (l: InstanceLeaseRecord) => Promise.resolve(void restored.push(l._id)),
  } as unknown as InstanceLeaseRepository;
  const connections = {
    ofInstance: (id: string) => Promise.resolve(options.sessions.filter((s) => s.instanceId === id)),
    takeFrom: (userId: string, id: string) =>
      Promise.resolve(
        options.held.has(userId)
          ? (options.sessions.find((s) => s._id === userId && s.instanceId === id) ?? null)
          : null,
      ),
  } as unknown as UserConnections;
  const loss = {
    lost: (l: LostSession) =>
      l.session._id === options.failOn
        ? Promise.reject(new Error('database away'))
        : Promise.resolve(void lost.push(l)),
  } as unknown as SessionLoss;
  const instance = { id: 'me', leaseMs: 15_000 } as unknown as LocalInstance;
  const sweep = new CrashSweep(leases, connections, instance, loss, pino({ level: 'silent' }));
  return { sweep, lost, restored };
}

describe('CrashSweep', () => {
  it('ends the sessions a dead instance still holds, as disconnects at its last renewal, and never its own', async () => {
    const { sweep, lost } = sweepOver({
      leases: [lease('dead'), lease('me')],
      sessions: [session('u1', 'dead', ['c1']), session('u2', 'dead'), session('u3', 'me')],
      held: new Set(['u1', 'u3']),
    });
    expect(await sweep.sweep()).toBe(1);
    expect(lost).toEqual([{ session: session('u1', 'dead', ['c1']), since: renewedAt, online: false }]);
  });

  it('acts on a lease once: a second sweep finds it claimed', async () => {
    const { sweep, lost } = sweepOver({
      leases: [lease('dead')],
      sessions: [session('u1', 'dead')],
      held: new Set(['u1']),
    });
    expect(await sweep.sweep()).toBe(1);
    expect(await sweep.sweep()).toBe(0);
    expect(lost).toHaveLength(1);
  });

  it('puts the lease back when a session could not be ended, so the next sweep finishes', async () => {
    const { sweep, restored } = sweepOver({
      leases: [lease('dead')],
      sessions: [session('u1', 'dead'), session('u2', 'dead')],
      held: new Set(['u1', 'u2']),
      failOn: 'u2',
    });
    await expect(sweep.sweep()).rejects.toThrow('database away');
    expect(restored).toEqual(['dead']);
  });
});
