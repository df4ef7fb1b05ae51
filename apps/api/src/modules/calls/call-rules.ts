import { randomBytes } from 'node:crypto';

/** Pure rules of the calls module (unit-tested in call-rules.spec.ts). */

export const CHANNEL_PREFIX = 'vc_';
/** What Agora accepts in a channel name (we use only a subset: prefix + hex), under 64 bytes. */
export const AGORA_CHANNEL_NAME = /^[a-zA-Z0-9 !#$%&()+\-:;<=.>?@[\]^_{}|~,]{1,63}$/;

/** 128 random bits, hex, with a prefix: unique and unguessable, 35 characters. */
export function newChannelName(): string {
  return `${CHANNEL_PREFIX}${randomBytes(16).toString('hex')}`;
}

export const MAX_AGORA_UID = 0xffff_ffff;

/**
 * The uid handed out by a seat claim: the call's `nextAgoraUid` counter after its `$inc` minus
 * one. Agora uids are uint32 and 0 means "let Agora choose", so only 1..2^32-1 are valid.
 */
export function agoraUidFromCounter(counterAfterIncrement: number): number {
  const uid = counterAfterIncrement - 1;
  if (!Number.isInteger(uid) || uid < 1 || uid > MAX_AGORA_UID) {
    throw new RangeError(`Agora uid out of range: ${uid}`);
  }
  return uid;
}

/** Whole seconds from start to end; 0 when the call never started or the clock went backwards. */
export function callDurationSeconds(startedAt: Date | null, endedAt: Date): number {
  if (!startedAt) return 0;
  return Math.max(0, Math.floor((endedAt.getTime() - startedAt.getTime()) / 1000));
}

/** maxParticipants of a new call: one-to-one is always 2; group defaults to 10. */
export function defaultMaxParticipants(callMode: 'one-to-one' | 'group'): number {
  return callMode === 'one-to-one' ? 2 : 10;
}

/**
 * A call's id, which is also its `_id`: 128 random bits in base64url, 22 characters. The id is
 * the capability to ask for a call (join a group call, read its details when invited), so it must
 * not be guessable from another id the way ObjectIds are (shared process bytes and a counter).
 */
export function newCallId(): string {
  return randomBytes(16).toString('base64url');
}

/**
 * A well-formed call id. Case-sensitive: the service builds participant and invitation keys and
 * event payloads from the route value, so another spelling is an unknown id (404).
 */
export const CALL_ID = /^[A-Za-z0-9_-]{22}$/;
