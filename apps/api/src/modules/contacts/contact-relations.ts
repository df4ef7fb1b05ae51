import { toUserView, UserView, UserRecord } from '../users';

/**
 * How one viewer stands to a set of users, read from the contact lists in one query
 * (ContactsService.relationsWith), and the one rule for showing another user's email:
 *
 * the viewer sees U's email only when U has the viewer in U's own contact list (U chose to share
 * it with the viewer), or when the viewer named U's exact email (a search for the whole address
 * that found U: the viewer already knew it). Adding someone to your own list needs no consent, so
 * it reveals nothing; search, contacts and socket payloads all show users through `view`.
 */
export class ContactRelations {
  constructor(
    private readonly viewerId: string,
    /** Users in the viewer's own list. */
    private readonly listedByViewer: ReadonlySet<string>,
    /** Users who have the viewer in their list. */
    private readonly listingViewer: ReadonlySet<string>,
    /** Whether a user has a live socket: others see a user without one as `offline`. */
    private readonly isConnected: (userId: string) => boolean,
  ) {}

  /** Whether `userId` is in the viewer's own contact list. */
  isContact(userId: string): boolean {
    return this.listedByViewer.has(userId);
  }

  /** `knownEmail`: an address the viewer gave in full in this very request (exact-email search). */
  showsEmail(user: UserRecord, knownEmail: string | null = null): boolean {
    const id = user._id.toHexString();
    return id === this.viewerId || this.listingViewer.has(id) || (knownEmail !== null && user.email === knownEmail);
  }

  view(user: UserRecord, knownEmail: string | null = null): UserView {
    return toUserView(user, this.showsEmail(user, knownEmail), this.isConnected(user._id.toHexString()));
  }
}
