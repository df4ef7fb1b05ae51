import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram } from 'prom-client';
import { Server } from 'socket.io';
import { MetricsService } from '../../../core/metrics/metrics.service';
import { AppSocket } from '../realtime.protocol';

/** The gauge of sockets connected to this instance; `/api/health` reads it by this name. */
export const CONNECTED_SOCKETS_METRIC = 'socketio_connected_sockets';

/** Client events with no handler are counted under one label, so a client cannot invent series. */
const UNKNOWN_EVENT = 'unknown';

/**
 * The gateway's Prometheus series on the app's registry (`/api/health/metrics`): sockets and rooms
 * on this instance, events received and sent by name, and the latency of relayed messages.
 * Figures are per instance; Prometheus sums them across instances.
 */
@Injectable()
export class RealtimeMetrics {
  private server?: Server;
  private readonly received: Counter<'event'>;
  private readonly sent: Counter<'event'>;
  private readonly relay: Histogram;
  /** Each event name's counters, resolved once (prom-client hashes the labels on every `inc`). */
  private readonly receivedBy = new Map<string, Counter.Internal>();
  private readonly sentBy = new Map<string, Counter.Internal>();

  constructor(metrics: MetricsService) {
    const registers = [metrics.registry];
    const namespace = () => this.server?.of('/');
    new Gauge({
      name: CONNECTED_SOCKETS_METRIC,
      help: 'Socket.IO connections open on this instance',
      registers,
      collect() {
        this.set(namespace()?.sockets.size ?? 0);
      },
    });
    new Gauge({
      name: 'socketio_rooms',
      help: 'Socket.IO rooms with a socket of this instance in them (not counting each socket\u2019s own room)',
      registers,
      collect() {
        const nsp = namespace();
        let rooms = 0;
        for (const room of nsp?.adapter.rooms.keys() ?? []) if (!nsp?.sockets.has(room)) rooms++;
        this.set(rooms);
      },
    });
    this.received = new Counter({
      name: 'socketio_events_received_total',
      help: `Client events received, by event name (${UNKNOWN_EVENT} for events without a handler)`,
      labelNames: ['event'],
      registers,
    });
    this.sent = new Counter({
      name: 'socketio_events_sent_total',
      help: 'Events delivered to sockets of this instance, by event name (a room event counts once per socket)',
      labelNames: ['event'],
      registers,
    });
    this.relay = new Histogram({
      name: 'socketio_relay_duration_seconds',
      help: 'Time from receiving a client message to handing its relay to Socket.IO',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers,
    });
    const { received, receivedBy } = this;
    this.countReceived = function (this: AppSocket, event: unknown) {
      const known = typeof event === 'string' && event !== 'error' && this.listenerCount(event) > 0;
      counterOf(received, receivedBy, known ? event : UNKNOWN_EVENT).inc();
    };
  }

  /** Called once by the gateway when Socket.IO is up. */
  attachServer(server: Server): void {
    this.server = server;
  }

  /**
   * Counts the socket's events both ways, refused ones included (Socket.IO calls `onAny` listeners
   * before any middleware). Both listeners are shared by every socket.
   */
  track(socket: AppSocket): void {
    socket.onAny(this.countReceived);
    socket.onAnyOutgoing(this.countSent);
  }

  /** Socket.IO calls it with the socket as `this` (set in the constructor, where `this` is the service). */
  private readonly countReceived: (this: AppSocket, event: unknown) => void;

  private readonly countSent = (event: string) => counterOf(this.sent, this.sentBy, event).inc();

  /**
   * Records one relayed message: the seconds from its arrival to its hand-off to Socket.IO
   * (`performance.now()` difference / 1000). Called by the handlers that relay.
   */
  observeRelay(seconds: number): void {
    this.relay.observe(seconds);
  }
}

/** The counter of one event name (names are the gateway's own: client events without a handler count as unknown). */
function counterOf(counter: Counter<'event'>, cache: Map<string, Counter.Internal>, event: string): Counter.Internal {
  let child = cache.get(event);
  if (!child) cache.set(event, (child = counter.labels({ event })));
  return child;
}
