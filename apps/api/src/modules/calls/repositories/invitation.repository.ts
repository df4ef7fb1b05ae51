import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { isDuplicateKey } from '@app/common';
import { Model, Types } from 'mongoose';
import { CallInvitation, InvitationRecord, InvitationStatus, invitationId } from '../schemas/call-invitation.schema';

/**
 * The `call_invitations` collection: one document per (call, invitee), keyed `<callId>:<userId>`.
 * An invitation is answered once: the answer is conditional on `pending`.
 */
@Injectable()
export class InvitationRepository {
  constructor(@InjectModel(CallInvitation.name) private readonly invitations: Model<CallInvitation>) {}

  /** Inserts one pending invitation per invitee; invitees who already have one are returned as skipped. */
  async invite(
    callId: string,
    invitedBy: string,
    inviteeIds: string[],
  ): Promise<{ created: InvitationRecord[]; skipped: string[] }> {
    const created: InvitationRecord[] = [];
    const skipped: string[] = [];
    for (const inviteeId of inviteeIds) {
      try {
        const doc = await this.invitations.create({
          _id: invitationId(callId, inviteeId),
          callId,
          inviteeId: new Types.ObjectId(inviteeId),
          invitedBy: new Types.ObjectId(invitedBy),
          status: 'pending',
        });
        created.push(doc.toObject());
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
        skipped.push(inviteeId);
      }
    }
    return { created, skipped };
  }

  findInvitation(callId: string, userId: string): Promise<InvitationRecord | null> {
    return this.invitations.findById(invitationId(callId, userId)).lean<InvitationRecord>().exec();
  }

  invitationsOf(callId: string): Promise<InvitationRecord[]> {
    return this.invitations.find({ callId }).sort({ createdAt: 1, _id: 1 }).lean<InvitationRecord[]>().exec();
  }

  /** pending → answer, once. null when it was not pending. */
  answerInvitation(
    callId: string,
    userId: string,
    answer: Exclude<InvitationStatus, 'pending'>,
    now: Date,
  ): Promise<InvitationRecord | null> {
    return this.invitations
      .findOneAndUpdate(
        { _id: invitationId(callId, userId), status: 'pending' },
        { $set: { status: answer, respondedAt: now } },
        { new: true },
      )
      .lean<InvitationRecord>()
      .exec();
  }

  /** Invitations still pending when the call ended were missed. */
  async markMissed(callId: string, now: Date): Promise<void> {
    await this.invitations
      .updateMany({ callId, status: 'pending' }, { $set: { status: 'missed', respondedAt: now } })
      .exec();
  }

  async pendingInvitationCallIds(userId: Types.ObjectId): Promise<string[]> {
    const rows = await this.invitations
      .find({ inviteeId: userId, status: 'pending' }, { callId: 1 })
      .lean<{ callId: string }[]>()
      .exec();
    return rows.map((row) => row.callId);
  }

  /**
   * Invites a removed (kicked) user again: their invitation, whatever it was, becomes pending (or
   * is created). null when it already is pending. Only a pending invitation lets them rejoin.
   */
  async reinvite(callId: string, invitedBy: string, inviteeId: string): Promise<InvitationRecord | null> {
    try {
      return await this.invitations
        .findOneAndUpdate(
          { _id: invitationId(callId, inviteeId), status: { $ne: 'pending' } },
          {
            $set: { status: 'pending', invitedBy: new Types.ObjectId(invitedBy), respondedAt: null },
            $setOnInsert: { callId, inviteeId: new Types.ObjectId(inviteeId) },
          },
          { upsert: true, new: true },
        )
        .lean<InvitationRecord>()
        .exec();
    } catch (error) {
      // The upsert met the pending invitation its filter excluded: already invited.
      if (isDuplicateKey(error)) return null;
      throw error;
    }
  }

  /**
   * A removed user's pending invitation is withdrawn (marked missed): only an invitation made
   * after the removal lets them back in.
   */
  async withdrawPending(callId: string, userId: string, now: Date): Promise<void> {
    await this.invitations
      .updateOne(
        { _id: invitationId(callId, userId), status: 'pending' },
        { $set: { status: 'missed', respondedAt: now } },
      )
      .exec();
  }
}
