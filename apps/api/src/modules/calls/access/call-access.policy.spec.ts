import { CallMode, CallStatus, InvitationStatus } from '@app/common';
import { CALL_MESSAGES } from '../calls.messages';
import { ParticipantState } from '../schemas/call-participant.schema';
import {
  CallFacts,
  decideAsJoined,
  decideEnd,
  decideInteract,
  decideJoin,
  decideLeave,
  decideMedia,
  decideReadChat,
  decideRespond,
  decideSendChat,
  decideView,
  JoinDecision,
} from './call-access.policy';

/*
 * The whole access matrix: every relation a user can have to a call × scheduled / active / ended
 * × one-to-one / group × each password setting × every action. Expected outcomes are written out
 * per relation (tables below), not computed, so a change of any rule shows up as a changed cell.
 */

/** An outcome as the client sees it: `allow`, or the status and message of the error. */
type Outcome = string;

const ALLOW = 'allow';
const FORBIDDEN = `403 ${CALL_MESSAGES.forbidden}`;
const NOT_JOINED = `403 ${CALL_MESSAGES.notJoined}`;
const NOT_JOINED_CONFLICT = `409 ${CALL_MESSAGES.notJoined}`;
const NOT_HOST = `403 ${CALL_MESSAGES.notHost}`;
const NO_INVITATION = `403 ${CALL_MESSAGES.noInvitation}`;
const ANSWERED = `409 ${CALL_MESSAGES.alreadyAnswered}`;
const ENDED = `409 ${CALL_MESSAGES.ended}`;
const KICKED = `403 ${CALL_MESSAGES.kicked}`;
const ONE_TO_ONE = `403 ${CALL_MESSAGES.oneToOneClosed}`;
const WRONG_PASSWORD = `403 ${CALL_MESSAGES.wrongPassword}`;
const CHAT_DISABLED = `403 ${CALL_MESSAGES.chatDisabled}`;
const SCREEN_SHARE_DISABLED = `403 ${CALL_MESSAGES.screenShareDisabled}`;

function outcome(decision: JoinDecision): Outcome {
  if (decision.verdict === 'allow') return ALLOW;
  if (decision.verdict === 'deny') return `${decision.error.getStatus()} ${decision.error.message}`;
  return `password? right: ${outcome(decision.right)}; wrong: ${outcome(decision.wrong)}`;
}

interface Relation {
  isHost?: boolean;
  participant?: ParticipantState;
  invitation?: InvitationStatus;
}

const RELATIONS = {
  'host, joined': { isHost: true, participant: 'joined' },
  'host, not joined yet': { isHost: true },
  'host, left': { isHost: true, participant: 'left' },
  'participant, joined': { participant: 'joined' },
  'participant, left': { participant: 'left' },
  'participant, removed': { participant: 'kicked' },
  'invitee, pending': { invitation: 'pending' },
  'invitee, accepted': { invitation: 'accepted' },
  'invitee, declined': { invitation: 'declined' },
  'invitee, missed': { invitation: 'missed' },
  'invitee, joined': { invitation: 'accepted', participant: 'joined' },
  'invitee, left': { invitation: 'accepted', participant: 'left' },
  'invitee, removed': { invitation: 'accepted', participant: 'kicked' },
  stranger: {},
} satisfies Record<string, Relation>;
type RelationName = keyof typeof RELATIONS;

const PASSWORDS = {
  'no password': { requirePassword: false, passwordHash: null },
  'a required password': { requirePassword: true, passwordHash: '$2b$12$hash' },
  // Stored calls may carry a password that is not required (the spec's example): it is ignored.
  'a password not required': { requirePassword: false, passwordHash: '$2b$12$hash' },
  'required without a stored password': { requirePassword: true, passwordHash: null },
} as const;
type PasswordName = keyof typeof PASSWORDS;

function facts(
  relation: Relation,
  status: CallStatus,
  callMode: CallMode,
  password: PasswordName,
  settings: { allowChat?: boolean; allowScreenShare?: boolean } = {},
): CallFacts {
  return {
    call: {
      status,
      callMode,
      settings: { allowChat: true, allowScreenShare: true, ...PASSWORDS[password], ...settings },
    },
    isHost: relation.isHost ?? false,
    participant: relation.participant ? { state: relation.participant } : null,
    invitation: relation.invitation ? { status: relation.invitation } : null,
  };
}

/** Every action but join, each on facts built from the call's settings it depends on. */
const ACTIONS = {
  view: (f: CallFacts) => decideView(f),
  'read chat': (f: CallFacts) => decideReadChat(f),
  invite: (f: CallFacts) => decideInteract(f),
  'send chat': (f: CallFacts) => decideSendChat(f),
  'send chat, chat disabled': (f: CallFacts) =>
    decideSendChat({ ...f, call: { ...f.call, settings: { ...f.call.settings, allowChat: false } } }),
  'token / room': (f: CallFacts) => decideAsJoined(f),
  'media, no screen share': (f: CallFacts) =>
    decideMedia(
      { ...f, call: { ...f.call, settings: { ...f.call.settings, allowScreenShare: false } } },
      {
        screenSharing: false,
      },
    ),
  'media, screen share allowed': (f: CallFacts) => decideMedia(f, { screenSharing: true }),
  'media, screen share disabled': (f: CallFacts) =>
    decideMedia(
      { ...f, call: { ...f.call, settings: { ...f.call.settings, allowScreenShare: false } } },
      {
        screenSharing: true,
      },
    ),
  leave: (f: CallFacts) => decideLeave(f),
  end: (f: CallFacts) => decideEnd(f),
  respond: (f: CallFacts) => decideRespond(f),
};
type ActionName = keyof typeof ACTIONS;

/** One row: view, read chat, invite, send chat, token/media, leave, end, respond. */
function row(
  view: Outcome,
  readChat: Outcome,
  interact: Outcome,
  asJoined: Outcome,
  leave: Outcome,
  end: Outcome,
  respond: Outcome,
): Record<ActionName, Outcome> {
  const chatWhenDisabled = interact === ALLOW ? CHAT_DISABLED : interact;
  const shareWhenDisabled = asJoined === ALLOW ? SCREEN_SHARE_DISABLED : asJoined;
  return {
    view,
    'read chat': readChat,
    invite: interact,
    'send chat': interact,
    'send chat, chat disabled': chatWhenDisabled,
    'token / room': asJoined,
    'media, no screen share': asJoined,
    'media, screen share allowed': asJoined,
    'media, screen share disabled': shareWhenDisabled,
    leave,
    end,
    respond,
  };
}

const A = ALLOW;

/** Scheduled and active calls alike. */
const OPEN: Record<RelationName, Record<ActionName, Outcome>> = {
  'host, joined': row(A, A, A, A, A, A, NO_INVITATION),
  'host, not joined yet': row(A, A, A, NOT_JOINED, NOT_JOINED_CONFLICT, A, NO_INVITATION),
  'host, left': row(A, A, A, NOT_JOINED, NOT_JOINED_CONFLICT, A, NO_INVITATION),
  'participant, joined': row(A, A, A, A, A, NOT_HOST, NO_INVITATION),
  'participant, left': row(A, A, NOT_JOINED, NOT_JOINED, NOT_JOINED_CONFLICT, NOT_HOST, NO_INVITATION),
  'participant, removed': row(A, A, NOT_JOINED, NOT_JOINED, NOT_JOINED_CONFLICT, NOT_HOST, NO_INVITATION),
  'invitee, pending': row(A, FORBIDDEN, NOT_JOINED, NOT_JOINED, NOT_JOINED_CONFLICT, NOT_HOST, A),
  'invitee, accepted': row(A, FORBIDDEN, NOT_JOINED, NOT_JOINED, NOT_JOINED_CONFLICT, NOT_HOST, ANSWERED),
  'invitee, declined': row(A, FORBIDDEN, NOT_JOINED, NOT_JOINED, NOT_JOINED_CONFLICT, NOT_HOST, ANSWERED),
  'invitee, missed': row(A, FORBIDDEN, NOT_JOINED, NOT_JOINED, NOT_JOINED_CONFLICT, NOT_HOST, ANSWERED),
  'invitee, joined': row(A, A, A, A, A, NOT_HOST, ANSWERED),
  'invitee, left': row(A, A, NOT_JOINED, NOT_JOINED, NOT_JOINED_CONFLICT, NOT_HOST, ANSWERED),
  'invitee, removed': row(A, A, NOT_JOINED, NOT_JOINED, NOT_JOINED_CONFLICT, NOT_HOST, ANSWERED),
  stranger: row(FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, NOT_HOST, NO_INVITATION),
};

/** An ended call: still readable by those it concerns; every action on it is 409, after the 403s. */
const ENDED_CALL: Record<RelationName, Record<ActionName, Outcome>> = {
  'host, joined': row(A, A, ENDED, ENDED, ENDED, ENDED, NO_INVITATION),
  'host, not joined yet': row(A, A, ENDED, ENDED, ENDED, ENDED, NO_INVITATION),
  'host, left': row(A, A, ENDED, ENDED, ENDED, ENDED, NO_INVITATION),
  'participant, joined': row(A, A, ENDED, ENDED, ENDED, NOT_HOST, NO_INVITATION),
  'participant, left': row(A, A, ENDED, ENDED, ENDED, NOT_HOST, NO_INVITATION),
  'participant, removed': row(A, A, ENDED, ENDED, ENDED, NOT_HOST, NO_INVITATION),
  'invitee, pending': row(A, FORBIDDEN, ENDED, ENDED, ENDED, NOT_HOST, ENDED),
  'invitee, accepted': row(A, FORBIDDEN, ENDED, ENDED, ENDED, NOT_HOST, ANSWERED),
  'invitee, declined': row(A, FORBIDDEN, ENDED, ENDED, ENDED, NOT_HOST, ANSWERED),
  'invitee, missed': row(A, FORBIDDEN, ENDED, ENDED, ENDED, NOT_HOST, ANSWERED),
  'invitee, joined': row(A, A, ENDED, ENDED, ENDED, NOT_HOST, ANSWERED),
  'invitee, left': row(A, A, ENDED, ENDED, ENDED, NOT_HOST, ANSWERED),
  'invitee, removed': row(A, A, ENDED, ENDED, ENDED, NOT_HOST, ANSWERED),
  stranger: row(FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, NOT_HOST, NO_INVITATION),
};

const STATUSES: CallStatus[] = ['scheduled', 'active', 'ended'];
const MODES: CallMode[] = ['one-to-one', 'group'];
const RELATION_NAMES = Object.keys(RELATIONS) as RelationName[];
const PASSWORD_NAMES = Object.keys(PASSWORDS) as PasswordName[];

/** Join, without and with a password given, for everyone but a stranger: the relation lets them in. */
function expectedJoin(
  relation: RelationName,
  status: CallStatus,
  mode: CallMode,
  password: PasswordName,
): { without: Outcome; with: Outcome } {
  const open = status === 'ended' ? ENDED : ALLOW;
  if ((RELATIONS[relation] as Relation).participant === 'kicked') return { without: KICKED, with: KICKED };
  if (relation !== 'stranger') return { without: open, with: open };
  if (mode === 'one-to-one') return { without: ONE_TO_ONE, with: ONE_TO_ONE };
  if (password !== 'a required password') return { without: open, with: open };
  return { without: WRONG_PASSWORD, with: `password? right: ${open}; wrong: ${WRONG_PASSWORD}` };
}

describe('call access policy', () => {
  describe.each(STATUSES)('a %s call', (status) => {
    describe.each(MODES)('%s', (mode) => {
      describe.each(PASSWORD_NAMES)('with %s', (password) => {
        it.each(RELATION_NAMES)('%s', (relation) => {
          const f = facts(RELATIONS[relation], status, mode, password);
          const actual = Object.fromEntries(
            (Object.keys(ACTIONS) as ActionName[]).map((action) => [action, outcome(ACTIONS[action](f))]),
          );
          expect(actual).toEqual((status === 'ended' ? ENDED_CALL : OPEN)[relation]);
          const join = expectedJoin(relation, status, mode, password);
          expect({ without: outcome(decideJoin(f, false)), with: outcome(decideJoin(f, true)) }).toEqual(join);
        });
      });
    });
  });

  it('lets a removed user join again once invited since (a pending invitation), while the call is open', () => {
    const reinvited: Relation = { invitation: 'pending', participant: 'kicked' };
    for (const mode of MODES) {
      expect(outcome(decideJoin(facts(reinvited, 'active', mode, 'a required password'), false))).toBe(ALLOW);
      expect(outcome(decideJoin(facts(reinvited, 'ended', mode, 'no password'), false))).toBe(ENDED);
    }
  });

  it('asks for the password that is stored, to be compared with the one given', () => {
    const decision = decideJoin(facts(RELATIONS.stranger, 'active', 'group', 'a required password'), true);
    expect(decision).toMatchObject({ verdict: 'verify-password', passwordHash: '$2b$12$hash' });
  });

  it('answers with AppExceptions carrying the error code the envelope shows', () => {
    const denied = decideView(facts(RELATIONS.stranger, 'active', 'group', 'no password'));
    expect(denied).toMatchObject({ verdict: 'deny', error: { code: 'FORBIDDEN' } });
    const ended = decideLeave(facts(RELATIONS['participant, joined'], 'ended', 'group', 'no password'));
    expect(ended).toMatchObject({ verdict: 'deny', error: { code: 'CONFLICT' } });
  });
});
