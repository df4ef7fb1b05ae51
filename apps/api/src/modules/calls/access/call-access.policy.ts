import { AppException, CallMode, CallStatus, ErrorCode, InvitationStatus } from '@app/common';
import { CALL_MESSAGES } from '../calls.messages';
import { CallSettings } from '../schemas/call.schema';
import { ParticipantState } from '../schemas/call-participant.schema';

/*
 * Who may see, join and act on a call: pure functions of the records they decide on, no I/O.
 * CallAccessService loads the facts and applies them for REST; the Socket.IO gateway applies the
 * same ones. Each function returns the error to answer with, in the order the checks are made, so
 * the first failing rule decides (a stranger learns nothing about a call's state: 403 before 409).
 */

/** How the caller relates to a call: the facts every access rule is decided on. */
export interface CallFacts {
  call: {
    status: CallStatus;
    callMode: CallMode;
    settings: Pick<CallSettings, 'requirePassword' | 'passwordHash' | 'allowChat' | 'allowScreenShare'>;
  };
  /** The caller is the call's current host. */
  isHost: boolean;
  /** The caller's participant record, in any state; null when never joined. */
  participant: { state: ParticipantState } | null;
  /** The caller's invitation, in any status; null when never invited. */
  invitation: { status: InvitationStatus } | null;
}

export type Denial = { verdict: 'deny'; error: AppException };
export type Decision = { verdict: 'allow' } | Denial;

/** A join that hangs on a password: compare it (counting wrong ones), then `right` or `wrong` decides. */
export interface PasswordDecision {
  verdict: 'verify-password';
  passwordHash: string;
  right: Decision;
  wrong: Denial;
}

export type JoinDecision = Decision | PasswordDecision;

const ALLOW: Decision = Object.freeze({ verdict: 'allow' });
const deny = (code: ErrorCode, message: string): Denial => ({
  verdict: 'deny',
  error: new AppException(code, message),
});
const forbidden = (message: string = CALL_MESSAGES.forbidden) => deny(ErrorCode.FORBIDDEN, message);
const conflict = (message: string) => deny(ErrorCode.CONFLICT, message);

const isJoined = (f: CallFacts) => f.participant?.state === 'joined';
/** Anyone the call concerns: its host, anyone who is or was in it (even removed), and invitees. */
const isRelated = (f: CallFacts) => f.isHost || f.participant !== null || f.invitation !== null;

/* Checks: the denial when the rule fails, else null (an error is built only for a failing rule). */
const unrelated = (f: CallFacts) => (isRelated(f) ? null : forbidden());
const ended = (f: CallFacts) => (f.call.status === 'ended' ? conflict(CALL_MESSAGES.ended) : null);
const notJoined = (f: CallFacts, denial: (message: string) => Denial) =>
  isJoined(f) ? null : denial(CALL_MESSAGES.notJoined);

/** The first failing check decides; allowed when none fails. */
function firstOf(...checks: (Denial | null)[]): Decision {
  return checks.find((check) => check !== null) ?? ALLOW;
}

/** A decision's denial, to chain one decision into another. */
const denialOf = (decision: Decision) => (decision.verdict === 'deny' ? decision : null);

/** Read the call's details: anyone it concerns. */
export function decideView(f: CallFacts): Decision {
  return firstOf(unrelated(f));
}

/** Read the chat: the host and anyone who is or was in the call (invitees who never joined: no). */
export function decideReadChat(f: CallFacts): Decision {
  return firstOf(f.isHost || f.participant !== null ? null : forbidden());
}

/** Act in an open call (invite): the host, joined or not, or a current participant. */
export function decideInteract(f: CallFacts): Decision {
  return firstOf(unrelated(f), ended(f), f.isHost ? null : notJoined(f, forbidden));
}

/** Send a chat message: as `decideInteract`, in a call that allows chat. */
export function decideSendChat(f: CallFacts): Decision {
  return firstOf(denialOf(decideInteract(f)), f.call.settings.allowChat ? null : forbidden(CALL_MESSAGES.chatDisabled));
}

/** Act with one's own participant (a fresh token, media, the call's room): currently joined, call open. */
export function decideAsJoined(f: CallFacts): Decision {
  return firstOf(unrelated(f), ended(f), notJoined(f, forbidden));
}

/** Change one's own media flags: as `decideAsJoined`; turning screen sharing on needs the call to allow it. */
export function decideMedia(f: CallFacts, change: { screenSharing?: boolean }): Decision {
  const sharingRefused = change.screenSharing && !f.call.settings.allowScreenShare;
  return firstOf(denialOf(decideAsJoined(f)), sharingRefused ? forbidden(CALL_MESSAGES.screenShareDisabled) : null);
}

/** Leave: someone the call concerns, joined to the open call. */
export function decideLeave(f: CallFacts): Decision {
  return firstOf(unrelated(f), ended(f), notJoined(f, conflict));
}

/** End the call for everyone as a user: its current host only, once. */
export function decideEnd(f: CallFacts): Decision {
  return firstOf(f.isHost ? null : forbidden(CALL_MESSAGES.notHost), ended(f));
}

/** Answer one's own invitation: only while it is pending and the call is open. */
export function decideRespond(f: CallFacts): Decision {
  if (!f.invitation) return forbidden(CALL_MESSAGES.noInvitation);
  return firstOf(f.invitation.status === 'pending' ? null : conflict(CALL_MESSAGES.alreadyAnswered), ended(f));
}

/**
 * Join: never someone removed from the call, unless invited again since (a pending invitation:
 * the removal withdrew any earlier one); without a password the host, invitees (any status)
 * and former participants; in a `group` call also anyone else with the id, with the password when
 * the call requires one (a missing password is refused without being counted as a guess). A
 * one-to-one call admits only its host and invitee. Then the call must still be open: checked
 * after the password, so a stranger learns nothing about the call without it.
 */
export function decideJoin(f: CallFacts, passwordGiven: boolean): JoinDecision {
  if (f.participant?.state === 'kicked' && f.invitation?.status !== 'pending') return forbidden(CALL_MESSAGES.kicked);
  const stillOpen = firstOf(ended(f));
  if (isRelated(f)) return stillOpen;
  if (f.call.callMode === 'one-to-one') return forbidden(CALL_MESSAGES.oneToOneClosed);
  const hash = f.call.settings.passwordHash;
  if (!f.call.settings.requirePassword || !hash) return stillOpen;
  const wrong = forbidden(CALL_MESSAGES.wrongPassword);
  if (!passwordGiven) return wrong;
  return { verdict: 'verify-password', passwordHash: hash, right: stillOpen, wrong };
}

/** Throws the decision's error unless it allows. */
export function assertAllowed(decision: Decision): void {
  if (decision.verdict === 'deny') throw decision.error;
}
