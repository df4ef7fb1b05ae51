import { Inject, Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { Logger } from 'pino';
import { LOGGER } from '../../../core/core.module';
import { UserConnections } from '../../users';
import { InstanceLeaseRecord } from './instance-lease.schema';
import { InstanceLeaseRepository } from './instance-lease.repository';
import { LocalInstance, leaseTickMs } from './local-instance';
import { SessionLoss } from './session-loss';

/**
 * After a crash (kill -9, a lost machine) no disconnect handler runs: the dead instance's users
 * would stay online and its call participants joined for ever. Every instance sweeps for leases
 * past their expiry; each is claimed by one conditional delete, so one instance ends that
 * instance's sessions, each by a delete conditional on the instance (a user who reconnected
 * elsewhere meanwhile holds a newer session and is left alone), and reports them to SessionLoss
 * as disconnects that happened at the lease's last renewal.
 */
@Injectable()
export class CrashSweep implements OnModuleInit, OnApplicationShutdown {
  private readonly log: Logger;
  private timer?: NodeJS.Timeout;
  private running = false;

  constructor(
    private readonly leases: InstanceLeaseRepository,
    private readonly connections: UserConnections,
    private readonly instance: LocalInstance,
    private readonly loss: SessionLoss,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ context: 'CrashSweep' });
  }

  onModuleInit(): void {
    this.timer = setInterval(() => void this.tick(), leaseTickMs(this.instance.leaseMs));
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** Ends the sessions of every instance whose lease ran out; returns how many this instance ended. */
  async sweep(now = new Date()): Promise<number> {
    let ended = 0;
    for (const lease of await this.leases.expired(now)) {
      if (lease._id === this.instance.id || !(await this.leases.claim(lease))) continue;
      try {
        ended += await this.endSessionsOf(lease);
      } catch (error) {
        await this.leases.restore(lease);
        throw error;
      }
    }
    return ended;
  }

  private async endSessionsOf(lease: InstanceLeaseRecord): Promise<number> {
    let ended = 0;
    for (const { _id: userId } of await this.connections.ofInstance(lease._id)) {
      const session = await this.connections.takeFrom(userId, lease._id);
      if (!session) continue;
      await this.loss.lost({ session, since: lease.renewedAt, online: false });
      ended += 1;
    }
    this.log.warn({ instanceId: lease._id, sessions: ended }, 'instance lease ran out: its sessions ended');
    return ended;
  }

  private async tick(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      await this.sweep();
    } catch (error) {
      this.log.warn({ error: (error as Error).message }, 'crash sweep failed; retrying at the next interval');
    } finally {
      this.running = false;
    }
  }
}
