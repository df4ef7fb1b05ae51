import mongoose from 'mongoose';

const {
  MongoClientClosedError,
  MongoNetworkError,
  MongoNotConnectedError,
  MongoServerClosedError,
  MongoServerError,
  MongoServerSelectionError,
  MongoTopologyClosedError,
} = mongoose.mongo;

/**
 * Server answers that mean "this node cannot serve now" rather than "this request is wrong":
 * host unreachable or not found, network timeout, shutting down, stepped down, not primary,
 * recovering (the driver's own retryable and SDAM lists).
 */
const UNAVAILABLE_SERVER_CODES = new Set([6, 7, 89, 91, 189, 9001, 10058, 10107, 11600, 11602, 13435, 13436]);

/** Connection-pool errors the driver does not export as classes. */
const UNAVAILABLE_NAMES = new Set(['MongoPoolClosedError', 'MongoWaitQueueTimeoutError']);

/**
 * True when an error says the database cannot be reached or cannot serve right now (no server
 * selected in time, a connection that broke, a node shutting down or stepping down), as opposed
 * to an error of the request or of the code. Such a request may succeed when tried again later.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (
    error instanceof MongoNetworkError ||
    error instanceof MongoServerSelectionError ||
    error instanceof mongoose.Error.MongooseServerSelectionError ||
    error instanceof MongoNotConnectedError ||
    error instanceof MongoTopologyClosedError ||
    error instanceof MongoServerClosedError ||
    error instanceof MongoClientClosedError
  ) {
    return true;
  }
  if (error instanceof MongoServerError)
    return typeof error.code === 'number' && UNAVAILABLE_SERVER_CODES.has(error.code);
  return UNAVAILABLE_NAMES.has(error.name);
}
