import {
  AGORA_CHANNEL_NAME,
  agoraUidFromCounter,
  callDurationSeconds,
  defaultMaxParticipants,
  MAX_AGORA_UID,
  newChannelName,
} from './call-rules';

describe('call rules', () => {
  it('makes channel names Agora accepts: prefix, 128 random bits in hex, under 64 bytes', () => {
    const name = newChannelName();
    expect(name).toMatch(/^vc_[0-9a-f]{32}$/);
    expect(Buffer.byteLength(name)).toBeLessThan(64);
    expect(AGORA_CHANNEL_NAME.test(name)).toBe(true);
  });

  it('never repeats a channel name', () => {
    const names = new Set(Array.from({ length: 1000 }, newChannelName));
    expect(names.size).toBe(1000);
  });

  it('hands out the counter value before the increment as the uid, from 1', () => {
    expect(agoraUidFromCounter(2)).toBe(1);
    expect(agoraUidFromCounter(6)).toBe(5);
    expect(agoraUidFromCounter(MAX_AGORA_UID + 1)).toBe(MAX_AGORA_UID);
  });

  it('refuses uids outside uint32 1..2^32-1 (0 means "Agora chooses")', () => {
    expect(() => agoraUidFromCounter(1)).toThrow(RangeError);
    expect(() => agoraUidFromCounter(MAX_AGORA_UID + 2)).toThrow(RangeError);
    expect(() => agoraUidFromCounter(2.5)).toThrow(RangeError);
  });

  it('measures duration in whole seconds, 0 for a call that never started', () => {
    const start = new Date('2026-01-01T10:00:00.000Z');
    expect(callDurationSeconds(start, new Date('2026-01-01T10:01:30.900Z'))).toBe(90);
    expect(callDurationSeconds(null, new Date())).toBe(0);
    expect(callDurationSeconds(start, new Date('2026-01-01T09:00:00.000Z'))).toBe(0);
  });

  it('defaults maxParticipants to 2 for one-to-one and 10 for group', () => {
    expect(defaultMaxParticipants('one-to-one')).toBe(2);
    expect(defaultMaxParticipants('group')).toBe(10);
  });
});
