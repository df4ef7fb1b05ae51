import { Adapter, BroadcastOptions, Session, SessionAwareAdapter } from 'socket.io-adapter';
import { SIGNAL_EVENT } from '../rooms/rooms.protocol';

/**
 * Events relayed live only, never kept for connection state recovery: WebRTC signals. They are
 * the bulk of the traffic (a call's setup is dozens of ICE candidates), time-bound (a client back
 * from a drop restarts ICE rather than apply minutes-old candidates), and addressed to one user,
 * not to a room. Kept, every signal would stay in memory for the whole recovery window: at ten
 * thousand signals a second, hundreds of megabytes for the collector to mark over and over.
 */
const LIVE_ONLY: ReadonlySet<unknown> = new Set([SIGNAL_EVENT]);

/** Socket.IO's EVENT packet type (socket.io-parser). */
const EVENT = 2;

interface EventPacket {
  type: number;
  data?: unknown[];
}

export const isLiveOnly = (packet: EventPacket): boolean => packet.type === EVENT && LIVE_ONLY.has(packet.data?.[0]);

/** A restored session's missed packets (their `data`: event name first) without live-only events. */
export function withoutLiveOnly(session: Session | null): Session | null {
  if (session) session.missedPackets = session.missedPackets.filter((data) => !LIVE_ONLY.has(data[0]));
  return session;
}

/**
 * The in-memory adapter of one instance with connection state recovery: Socket.IO's own
 * (SessionAwareAdapter), except that live-only events are delivered without being kept.
 */
export class RecoveryAdapter extends SessionAwareAdapter {
  override broadcast(packet: EventPacket, opts: BroadcastOptions): void {
    if (isLiveOnly(packet)) return Adapter.prototype.broadcast.call(this, packet, opts);
    super.broadcast(packet, opts);
  }
}
