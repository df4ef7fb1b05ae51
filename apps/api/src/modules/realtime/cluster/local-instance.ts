import { randomUUID } from 'node:crypto';
import { Inject, Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { Logger } from 'pino';
import { APP_CONFIG, AppConfig } from '../../../core/config/app-config';
import { LOGGER } from '../../../core/core.module';
import { InstanceLeaseRepository } from './instance-lease.repository';

/** How often a lease is renewed (and leases swept): a third of it, between 250 ms and 5 s. */
export const leaseTickMs = (leaseMs: number) => Math.min(5000, Math.max(250, Math.floor(leaseMs / 3)));

/**
 * This app process as the other instances know it: a random id drawn at start (the `instanceId`
 * of the sessions it holds) and a lease renewed every few seconds. A process that dies stops
 * renewing; once the lease has run out another instance ends its sessions (CrashSweep).
 */
@Injectable()
export class LocalInstance implements OnModuleInit, OnApplicationShutdown {
  readonly id = randomUUID();
  readonly leaseMs: number;
  private readonly log: Logger;
  private readonly revivedListeners: (() => void)[] = [];
  private timer?: NodeJS.Timeout;
  private released = false;

  constructor(
    private readonly leases: InstanceLeaseRepository,
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.leaseMs = config.realtime.instanceLeaseSeconds * 1000;
    this.log = logger.child({ context: 'LocalInstance', instanceId: this.id });
  }

  async onModuleInit(): Promise<void> {
    await this.renew();
    this.timer = setInterval(() => void this.tick(), leaseTickMs(this.leaseMs));
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /**
   * Called when this instance's lease had to be created again: it had run out (the process stalled
   * longer than the lease) and another instance ended its sessions, which its live sockets now
   * register again.
   */
  onRevived(listener: () => void): void {
    this.revivedListeners.push(listener);
  }

  /** Whether an instance still holds its lease (this one always does while it runs). */
  isAlive(instanceId: string): Promise<boolean> {
    return instanceId === this.id ? Promise.resolve(true) : this.leases.isAlive(instanceId, new Date());
  }

  /** At a clean shutdown, once this instance's sessions are ended: no one needs to sweep after it. */
  async release(): Promise<void> {
    this.released = true;
    clearInterval(this.timer);
    await this.leases.release(this.id);
  }

  private renew(): Promise<boolean> {
    const now = new Date();
    return this.leases.renew(this.id, now, new Date(now.getTime() + this.leaseMs));
  }

  private async tick(): Promise<void> {
    if (this.released) return;
    try {
      if (!(await this.renew()) || this.released) return;
      this.log.warn('instance lease had run out; registering this instance\u2019s sockets again');
      for (const listener of this.revivedListeners) listener();
    } catch (error) {
      this.log.warn({ error: (error as Error).message }, 'instance lease not renewed; retrying at the next interval');
    }
  }
}
