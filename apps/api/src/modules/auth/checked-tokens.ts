import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { AuthUser } from '@app/common';
import { APP_CONFIG, AppConfig } from '../../core/config/app-config';
import { DomainEvents, EventBus, EventOrigin, OnDomainEvent } from '../../core/events';

/** What a bearer token was found to be worth: its user, and the token version it was issued with. */
export interface CheckedToken {
  readonly user: Readonly<AuthUser>;
  readonly tokenVersion: number;
}

interface Entry extends CheckedToken {
  /** When the database said yes (ms since the epoch). */
  readonly checkedAt: number;
}

/** Tokens remembered at most; past it the oldest is forgotten first. */
export const CHECKED_TOKENS_MAX = 10_000;

/**
 * Bearer tokens this instance accepted, so a request with the same token needs neither the
 * signature check nor the two database reads again (docs/architecture.md, "Authentication on
 * the hot path"). Only accepted tokens are kept, keyed by the whole token string, which was
 * verified when it was stored.
 *
 * Kept true by the domain events that can take a token's worth away, from every instance
 * (`cluster` scope): a logout forgets that token; a password change or reset, a suspension, a
 * deletion or a role change forget every token of that user. Nothing is read or stored while the
 * instance does not hear the other instances (Redis subscription down): every request then goes
 * to the database, and on hearing again the cache starts empty. An entry also lapses after
 * `AUTH_CACHE_SECONDS` (0 turns the cache off), a bound for changes made with no event; lapsed
 * entries are swept on a timer, so an idle instance does not keep the tokens of a burst of
 * handshakes that came and went.
 */
@Injectable()
export class CheckedTokens implements OnModuleDestroy {
  private readonly byToken = new Map<string, Entry>();
  private readonly byUser = new Map<string, Set<string>>();
  private readonly ttlMs: number;
  /**
   * Moves on every forgetting. A check takes the value before reading the database and may store
   * its verdict only if nothing was forgotten meanwhile, so a verdict read before a revocation is
   * never stored after it.
   */
  private generation = 0;
  /** The next sweep of lapsed entries, while there are entries. */
  private sweepTimer?: NodeJS.Timeout;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly events: EventBus,
  ) {
    this.ttlMs = config.jwt.cacheSeconds * 1000;
    events.onHearingChange(() => this.forgetAll());
  }

  /** The verdict kept for this token, if it is still good. */
  get(token: string): CheckedToken | undefined {
    if (this.ttlMs === 0 || !this.events.hearsCluster) return undefined;
    const entry = this.byToken.get(token);
    if (!entry) return undefined;
    const now = Date.now();
    if (now - entry.checkedAt >= this.ttlMs || entry.user.exp * 1000 <= now) {
      this.remove(token, entry.user.id);
      return undefined;
    }
    return entry;
  }

  /** Take before checking a token against the database; hand back to `put`. */
  ticket(): number {
    return this.generation;
  }

  put(token: string, checked: CheckedToken, ticket: number): void {
    if (this.ttlMs === 0 || ticket !== this.generation || !this.events.hearsCluster) return;
    if (this.byToken.size >= CHECKED_TOKENS_MAX && !this.byToken.has(token)) {
      const oldest = this.byToken.entries().next().value;
      if (oldest) this.remove(oldest[0], oldest[1].user.id);
    }
    const user = Object.freeze({ ...checked.user });
    // Deleted first, so the map stays in the order entries were checked (the sweep relies on it).
    this.byToken.delete(token);
    this.byToken.set(token, { user, tokenVersion: checked.tokenVersion, checkedAt: Date.now() });
    this.sweepTimer ??= setTimeout(() => this.sweep(), this.ttlMs).unref();
    const tokens = this.byUser.get(user.id) ?? new Set<string>();
    tokens.add(token);
    this.byUser.set(user.id, tokens);
  }

  onModuleDestroy(): void {
    clearTimeout(this.sweepTimer);
  }

  /** Forgets the entries older than the time to live, oldest first; again when the next one lapses. */
  private sweep(): void {
    this.sweepTimer = undefined;
    const now = Date.now();
    for (const [token, entry] of this.byToken) {
      const lapsesIn = entry.checkedAt + this.ttlMs - now;
      if (lapsesIn > 0) {
        this.sweepTimer = setTimeout(() => this.sweep(), lapsesIn).unref();
        return;
      }
      this.remove(token, entry.user.id);
    }
  }

  get size(): number {
    return this.byToken.size;
  }

  @OnDomainEvent('user.tokens.revoked', { scope: 'cluster' })
  onTokensRevoked(event: DomainEvents['user.tokens.revoked'], _origin: EventOrigin): void {
    if (event.reason !== 'logout') return this.forgetUser(event.userId);
    this.generation++;
    for (const token of this.byUser.get(event.userId) ?? []) {
      if (this.byToken.get(token)?.user.jti === event.jti) this.remove(token, event.userId);
    }
  }

  @OnDomainEvent('user.suspended', { scope: 'cluster' })
  onSuspended(event: DomainEvents['user.suspended'], _origin: EventOrigin): void {
    this.forgetUser(event.userId);
  }

  @OnDomainEvent('user.deleted', { scope: 'cluster' })
  onDeleted(event: DomainEvents['user.deleted'], _origin: EventOrigin): void {
    this.forgetUser(event.userId);
  }

  @OnDomainEvent('user.role.changed', { scope: 'cluster' })
  onRoleChanged(event: DomainEvents['user.role.changed'], _origin: EventOrigin): void {
    this.forgetUser(event.userId);
  }

  private forgetUser(userId: string): void {
    this.generation++;
    for (const token of this.byUser.get(userId) ?? []) this.byToken.delete(token);
    this.byUser.delete(userId);
  }

  private forgetAll(): void {
    this.generation++;
    this.byToken.clear();
    this.byUser.clear();
  }

  private remove(token: string, userId: string): void {
    this.byToken.delete(token);
    const tokens = this.byUser.get(userId);
    if (!tokens) return;
    tokens.delete(token);
    if (tokens.size === 0) this.byUser.delete(userId);
  }
}
