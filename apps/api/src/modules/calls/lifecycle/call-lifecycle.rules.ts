import { Types } from 'mongoose';
import { JoinFields } from '../repositories/participant.repository';
import { CallRecord, CallSettings } from '../schemas/call.schema';
import { InvitationRecord } from '../schemas/call-invitation.schema';
import { ParticipantRecord } from '../schemas/call-participant.schema';

/* Pure rules of a call's lifecycle, decided on the records they concern (unit-tested beside). */

/** What a join sets: the host is never muted by `muteOnJoin`; audio calls start with video off. */
export function joinFields(
  call: Pick<CallRecord, 'hostId' | 'callType'> & { settings: Pick<CallSettings, 'muteOnJoin'> },
  userId: string,
  now: Date,
): JoinFields {
  const isHost = call.hostId.toHexString() === userId;
  return {
    role: isHost ? 'host' : 'participant',
    joinedAt: now,
    audioEnabled: isHost || !call.settings.muteOnJoin,
    videoEnabled: call.callType === 'video',
  };
}

type HostCandidate = Pick<ParticipantRecord, '_id' | 'state' | 'joinedAt'>;

/**
 * Who takes over from a leaving host: the participant still joined who joined earliest (ties by
 * `_id`, as the database sorts them), so the role goes to whoever has been in the call longest.
 * Those who left or were removed are skipped; null when nobody is joined.
 */
export function nextHost<P extends HostCandidate>(participants: readonly P[]): P | null {
  let best: P | null = null;
  for (const p of participants) {
    if (p.state !== 'joined') continue;
    const earlier =
      !best ||
      p.joinedAt.getTime() < best.joinedAt.getTime() ||
      (p.joinedAt.getTime() === best.joinedAt.getTime() && p._id < best._id);
    if (earlier) best = p;
  }
  return best;
}

/** What a leave leads to, decided on the call as the leaver's seat release left it. */
export type LeaveOutcome = 'end-all-left' | 'hand-over' | 'none';

export function afterLeave(
  call: Pick<CallRecord, 'status' | 'joinedCount' | 'hostId'>,
  leaverId: string,
): LeaveOutcome {
  if (call.status === 'ended') return 'none';
  if (call.joinedCount <= 0) return 'end-all-left';
  return call.hostId.toHexString() === leaverId ? 'hand-over' : 'none';
}

/**
 * A declined one-to-one call is over when nobody but the host has ever joined it and no other
 * invitation is still pending or accepted: nobody is left to come.
 */
export function declineEndsCall(
  hostId: Types.ObjectId,
  participants: readonly Pick<ParticipantRecord, 'userId'>[],
  invitations: readonly Pick<InvitationRecord, 'status'>[],
): boolean {
  const host = hostId.toHexString();
  if (participants.some((p) => p.userId.toHexString() !== host)) return false;
  return !invitations.some((i) => i.status === 'pending' || i.status === 'accepted');
}
