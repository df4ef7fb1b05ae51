import { Injectable } from '@nestjs/common';
import { Counter, Gauge } from 'prom-client';
import { Server } from 'socket.io';
import { LeanHistogram } from '../../../core/metrics/lean-histogram';
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
  private readonly relay: LeanHistogram;
  /** Events counted in plain numbers, handed to their Prometheus counters when those are read. */
  private readonly received = new EventTally();
  private readonly sent = new EventTally();

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
    const { received, sent } = this;
    new Counter({
      name: 'socketio_events_received_total',
      help: `Client events received, by event name (${UNKNOWN_EVENT} for events without a handler)`,
      labelNames: ['event'],
      registers,
      collect() {
        received.flushInto(this);
      },
    });
    new Counter({
      name: 'socketio_events_sent_total',
      help: 'Events delivered to sockets of this instance, by event name (a room event counts once per socket)',
      labelNames: ['event'],
      registers,
      collect() {
        sent.flushInto(this);
      },
    });
    // Observed on every relayed signal: the lean histogram exports the same series for less work.
    this.relay = new LeanHistogram(
      'socketio_relay_duration_seconds',
      'Time from receiving a client message to handing its relay to Socket.IO',
      [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers,
    );
    this.countReceived = function (this: AppSocket, event: unknown) {
      const known = typeof event === 'string' && event !== 'error' && this.listenerCount(event) > 0;
      received.add(known ? event : UNKNOWN_EVENT);
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

  private readonly countSent = (event: string) => this.sent.add(event);

  /**
   * Records one relayed message: the seconds from its arrival to its hand-off to Socket.IO
   * (`performance.now()` difference / 1000). Called by the handlers that relay.
   */
  observeRelay(seconds: number): void {
    this.relay.observe(seconds);
  }
}

/**
 * Counts by event name in plain numbers, added to the Prometheus counter when the registry reads
 * it (its `collect`): prom-client validates and hashes the labels on every `inc`, and these count
 * every message both ways. Names are the gateway's own (client events without a handler count as
 * unknown), so the map stays small.
 */
class EventTally {
  private readonly pending = new Map<string, number>();

  add(event: string): void {
    this.pending.set(event, (this.pending.get(event) ?? 0) + 1);
  }

  flushInto(counter: Counter<'event'>): void {
    for (const [event, count] of this.pending) counter.inc({ event }, count);
    this.pending.clear();
  }
}
