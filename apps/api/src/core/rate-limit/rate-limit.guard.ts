import { ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerGuard, ThrottlerOptions, ThrottlerRequest } from '@nestjs/throttler';
import { AppException, ErrorCode, RATE_LIMIT, RateLimitName } from '@app/common';
import { FastifyReply, FastifyRequest } from 'fastify';

/**
 * Applies exactly one named limit to each route: `auth`, `admin` or `default` as chosen with
 * `@RateLimit()`, none with `@RateLimit(false)`. Stock ThrottlerGuard applies every named
 * throttler to every route and suffixes its headers with the throttler's name; here each
 * response carries the standard `X-RateLimit-Limit`, `X-RateLimit-Remaining` and
 * `X-RateLimit-Reset` (seconds), and a 429 carries `Retry-After`.
 *
 * HTTP only. Socket.IO messages pass deliberately: their rates (signalling sends many messages a
 * second) fit no HTTP window, so the gateway limits events per socket itself. Any other
 * transport is refused.
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  private readonly chosen = new WeakMap<object, RateLimitName | false>();
  private readonly track = (request: Record<string, unknown>) => this.getTracker(request);
  private readonly keyFor = (context: ExecutionContext, tracker: string, name: string) =>
    this.generateKey(context, tracker, name);

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const type = context.getType();
    if (type === 'ws') return true;
    if (type !== 'http') throw new Error(`Unsupported transport: ${type}`);
    // The stock guard walks every named throttler with several metadata lookups each; a route has
    // one limit, so only that one is looked at, with its settings read once.
    const name = this.limitFor(context);
    if (name === false) return true;
    const throttler = this.throttlerNamed(name);
    return this.handleRequest({
      context,
      throttler,
      limit: throttler.limit as number,
      ttl: throttler.ttl as number,
      blockDuration: (throttler.blockDuration as number | undefined) ?? (throttler.ttl as number),
      getTracker: this.track,
      generateKey: this.keyFor,
    });
  }

  protected override async handleRequest(props: ThrottlerRequest): Promise<boolean> {
    const { context, limit, ttl, throttler, blockDuration, getTracker } = props;

    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    const name = throttler.name ?? 'default';
    const tracker = await getTracker(request, context);
    // One counter per limit and client, across all the routes of that limit: the stock key also
    // names the route, which gave each client 100 requests per route instead of 100 in all.
    const key = `${name}:${tracker}`;
    const record = await this.storageService.increment(key, ttl, limit, blockDuration, name);

    void reply.header('x-ratelimit-limit', limit);
    void reply.header('x-ratelimit-remaining', Math.max(0, limit - record.totalHits));
    void reply.header('x-ratelimit-reset', record.isBlocked ? record.timeToBlockExpire : record.timeToExpire);
    if (record.isBlocked) {
      throw new AppException(
        ErrorCode.TOO_MANY_REQUESTS,
        `Too many requests; try again in ${record.timeToBlockExpire} seconds`,
        [],
        { 'Retry-After': String(record.timeToBlockExpire) },
      );
    }
    return true;
  }

  /** Signed-in users are counted by account, everyone else by client address. */
  protected override getTracker(request: Record<string, unknown>): Promise<string> {
    const user = request.user as { id?: string } | undefined;
    return Promise.resolve(user?.id ? `user:${user.id}` : `ip:${String(request.ip)}`);
  }

  private throttlerNamed(name: RateLimitName): ThrottlerOptions {
    const throttler = this.throttlers.find((t) => t.name === name);
    if (!throttler || typeof throttler.limit !== 'number' || typeof throttler.ttl !== 'number') {
      throw new Error(`Rate limit "${name}" is not configured with numbers`);
    }
    return throttler;
  }

  private limitFor(context: ExecutionContext): RateLimitName | false {
    const handler = context.getHandler();
    let name = this.chosen.get(handler);
    if (name === undefined) {
      name =
        this.reflector.getAllAndOverride<RateLimitName | false>(RATE_LIMIT, [handler, context.getClass()]) ?? 'default';
      this.chosen.set(handler, name);
    }
    return name;
  }
}
