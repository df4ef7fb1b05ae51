/** The realtime module's public surface: the module and the Socket.IO adapter the app is wired with. */
export { RealtimeModule } from './realtime.module';
export { RealtimeIoAdapter } from './realtime-io.adapter';
export { CONNECTED_SOCKETS_METRIC } from './metrics/realtime-metrics';
export type {
  Ack,
  AckError,
  AckSuccess,
  SessionEndReason,
  SessionEnded,
  SessionReplaced,
  SocketData,
} from './realtime.protocol';
