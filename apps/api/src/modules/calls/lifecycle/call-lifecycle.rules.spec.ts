import { Types } from 'mongoose';
import { ParticipantState } from '../schemas/call-participant.schema';
import { afterLeave, declineEndsCall, joinFields, nextHost } from './call-lifecycle.rules';

const CALL_ID = 'Qm9Yt3x_Lr8aWZc2-PkV1w';
const host = new Types.ObjectId();
const at = (seconds: number) => new Date(Date.UTC(2026, 0, 1, 10, 0, seconds));

function participant(name: string, state: ParticipantState, joinedAtSecond: number, userId = new Types.ObjectId()) {
  return { name, _id: `${CALL_ID}:${userId.toHexString()}`, userId, state, joinedAt: at(joinedAtSecond) };
}

describe('the next host', () => {
  it('is the participant still joined who joined earliest, whatever the order of the records', () => {
    const records = [participant('c', 'joined', 30), participant('a', 'joined', 10), participant('b', 'joined', 20)];
    expect(nextHost(records)?.name).toBe('a');
    expect(nextHost([...records].reverse())?.name).toBe('a');
  });

  it('skips those who left (the leaving host among them) or were removed', () => {
    const records = [
      participant('old host', 'left', 0),
      participant('leaving', 'left', 5),
      participant('removed', 'kicked', 6),
      participant('stays', 'joined', 40),
      participant('later', 'joined', 50),
    ];
    expect(nextHost(records)?.name).toBe('stays');
  });

  it('breaks a tie of join times by _id, as the database sorts them', () => {
    const low = participant('low', 'joined', 10, new Types.ObjectId('000000000000000000000001'));
    const high = participant('high', 'joined', 10, new Types.ObjectId('ffffffffffffffffffffffff'));
    expect(nextHost([high, low])?.name).toBe('low');
    expect(nextHost([low, high])?.name).toBe('low');
  });

  it('is nobody when nobody is joined', () => {
    expect(nextHost([])).toBeNull();
    expect(nextHost([participant('gone', 'left', 1), participant('removed', 'kicked', 2)])).toBeNull();
  });
});

describe('what a leave leads to', () => {
  const leaver = new Types.ObjectId();
  const call = (status: 'active' | 'scheduled' | 'ended', joinedCount: number, hostId = host) => ({
    status,
    joinedCount,
    hostId,
  });

  it('the last one out ends the call (all-left), host or not', () => {
    expect(afterLeave(call('active', 0), leaver.toHexString())).toBe('end-all-left');
    expect(afterLeave(call('active', 0, leaver), leaver.toHexString())).toBe('end-all-left');
    expect(afterLeave(call('scheduled', 0), leaver.toHexString())).toBe('end-all-left');
  });

  it('a leaving host with others still in hands over; anyone else just leaves', () => {
    expect(afterLeave(call('active', 2, leaver), leaver.toHexString())).toBe('hand-over');
    expect(afterLeave(call('active', 2), leaver.toHexString())).toBe('none');
  });

  it('nothing more once the call has ended meanwhile', () => {
    expect(afterLeave(call('ended', 0), leaver.toHexString())).toBe('none');
    expect(afterLeave(call('ended', 0, leaver), leaver.toHexString())).toBe('none');
  });
});

describe('a declined one-to-one call', () => {
  const invitee = new Types.ObjectId();
  const inHost = { userId: host };
  const inInvitee = { userId: invitee };

  it('is over when only the host ever joined and no invitation is pending or accepted', () => {
    expect(declineEndsCall(host, [inHost], [{ status: 'declined' }])).toBe(true);
    expect(declineEndsCall(host, [], [{ status: 'declined' }])).toBe(true);
    expect(declineEndsCall(host, [inHost], [{ status: 'declined' }, { status: 'missed' }])).toBe(true);
  });

  it('goes on when someone else has joined it, even if they left', () => {
    expect(declineEndsCall(host, [inHost, inInvitee], [{ status: 'declined' }])).toBe(false);
  });

  it('goes on while another invitation is pending or accepted', () => {
    expect(declineEndsCall(host, [inHost], [{ status: 'declined' }, { status: 'pending' }])).toBe(false);
    expect(declineEndsCall(host, [inHost], [{ status: 'declined' }, { status: 'accepted' }])).toBe(false);
  });
});

describe('what a join sets', () => {
  const now = at(0);
  const guest = new Types.ObjectId().toHexString();
  const call = (callType: 'video' | 'audio', muteOnJoin: boolean) => ({
    hostId: host,
    callType,
    settings: { muteOnJoin },
  });

  it('the host joins as host and is never muted by muteOnJoin', () => {
    expect(joinFields(call('video', true), host.toHexString(), now)).toEqual({
      role: 'host',
      joinedAt: now,
      audioEnabled: true,
      videoEnabled: true,
    });
  });

  it('others join as participants, muted when the call says so', () => {
    expect(joinFields(call('video', true), guest, now)).toMatchObject({
      role: 'participant',
      audioEnabled: false,
    });
    expect(joinFields(call('video', false), guest, now)).toMatchObject({ audioEnabled: true });
  });

  it('audio calls start with video off, video calls with video on', () => {
    expect(joinFields(call('audio', false), guest, now).videoEnabled).toBe(false);
    expect(joinFields(call('video', false), guest, now).videoEnabled).toBe(true);
  });
});
