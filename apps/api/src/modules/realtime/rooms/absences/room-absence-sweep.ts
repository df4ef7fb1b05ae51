import { Inject, Injectable, OnModuleDestroy, OnModuleInit, Optional } from '@nestjs/common';
import { AppException } from '@app/common';
import { Logger } from 'pino';
import { APP_CONFIG, AppConfig } from '../../../../core/config/app-config';
import { LOGGER } from '../../../../core/core.module';
import { CallLeaveService, CallsHousekeeping } from '../../../calls';
import { UserConnections } from '../../../users';
import { RoomAbsenceRepository } from './room-absence.repository';
import { RoomAbsenceRecord } from './room-absence.schema';

export const ROOM_ABSENCE_SWEEP_INTERVAL = Symbol('ROOM_ABSENCE_SWEEP_INTERVAL');
/** Absences handled per sweep; the rest wait for the next one. */
const BATCH = 100;

/** Tells whether the user still has a socket in the call room on any instance. */
export type RoomPresenceCheck = (callId: string, userId: string) => Promise<boolean>;

/**
 * The reconnect grace: a participant whose socket dropped out of a call room and who has not come
 * back (any instance) within CALL_RECONNECT_GRACE is marked left in the call through the calls
 * module's leave, so host hand-over and `all-left` apply. Every instance sweeps; each absence is
 * claimed by one conditional delete, so only one instance acts on it, and the decision rests on
 * the database, not on a timer of the process that saw the drop. It also tells the calls
 * housekeeping which participants the socket side looks after (in the room, or within the
 * grace), so its rule for quiet REST-only participants leaves them alone.
 */
@Injectable()
export class RoomAbsenceSweep implements OnModuleInit, OnModuleDestroy {
  private readonly log: Logger;
  private readonly graceMs: number;
  private readonly intervalMs: number;
  private timer?: NodeJS.Timeout;
  private running = false;
  private presence: RoomPresenceCheck = () => Promise.resolve(false);

  constructor(
    private readonly absences: RoomAbsenceRepository,
    private readonly leaving: CallLeaveService,
    private readonly connections: UserConnections,
    housekeeping: CallsHousekeeping,
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(LOGGER) logger: Logger,
    @Optional() @Inject(ROOM_ABSENCE_SWEEP_INTERVAL) intervalMs?: number,
  ) {
    this.log = logger.child({ context: 'RoomAbsenceSweep' });
    this.graceMs = config.calls.reconnectGraceSeconds * 1000;
    // A quarter of the grace (between 0.25 and 5 s): a participant is marked left at most that late.
    this.intervalMs = intervalMs ?? Math.min(5000, Math.max(250, this.graceMs / 4));
    housekeeping.useSocketAttendance(async (callId, userId) => {
      if (await this.absences.isAbsent(callId, userId)) return true;
      return this.isBack({ callId, userId });
    });
  }

  /** The gateway supplies the check on live sockets (it holds the Socket.IO server). */
  usePresenceCheck(check: RoomPresenceCheck): void {
    this.presence = check;
  }

  onModuleInit(): void {
    this.timer = setInterval(() => void this.tick(), this.intervalMs);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  /** Marks left the participants away longer than the grace; returns how many this instance marked. */
  async sweep(now = new Date()): Promise<number> {
    const overdue = await this.absences.overdue(new Date(now.getTime() - this.graceMs), BATCH);
    let marked = 0;
    for (const absence of overdue) if (await this.settle(absence)) marked += 1;
    return marked;
  }

  private async settle(absence: RoomAbsenceRecord): Promise<boolean> {
    if (!(await this.absences.claim(absence))) return false;
    try {
      // Back in the room by a path that did not clear the absence (a socket replaced mid-join): stays.
      if (await this.isBack(absence)) return false;
      await this.leaving.leave(absence.callId, absence.userId);
      return true;
    } catch (error) {
      // Already left, or the call ended: nothing to mark.
      if (error instanceof AppException) return false;
      // Claimed but not settled (an instance that died still counted by the adapter, the database
      // away): put it back for the next sweep.
      await this.absences.record(absence.callId, absence.userId, absence.since);
      throw error;
    }
  }

  /**
   * Without a live session the user has no socket anywhere (one `_id` read, and no question to the
   * other instances, some of which may have died); with one, the sockets in the room decide.
   */
  private async isBack(absence: Pick<RoomAbsenceRecord, 'callId' | 'userId'>): Promise<boolean> {
    if (!(await this.connections.isConnected(absence.userId))) return false;
    return this.presence(absence.callId, absence.userId);
  }

  private async tick(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      const marked = await this.sweep();
      if (marked > 0) this.log.info({ marked }, 'participants marked left after the reconnect grace');
    } catch (error) {
      this.log.warn({ error: (error as Error).message }, 'room absence sweep failed; retrying at the next interval');
    } finally {
      this.running = false;
    }
  }
}
