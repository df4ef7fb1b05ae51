import { Controller, Get } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host';
import { ThrottlerStorageService } from '@nestjs/throttler';
import { AuthUser, authUserOf, Public, Roles } from '@app/common';
import { RateLimitGuard } from './core/rate-limit/rate-limit.guard';
import { BearerStrategy } from './modules/auth/bearer.strategy';
import { JwtAuthGuard } from './modules/auth/jwt-auth.guard';
import { RolesGuard } from './modules/auth/roles.guard';

/** Handlers with the metadata the guards read. */
@Controller()
class Handlers {
  @Get() closed() {}
  @Public() @Get() open() {}
  @Roles('admin') @Get() adminOnly() {}
}

const alice: AuthUser = { id: '665f1c2ab3e4d5f6a7b8c9d0', role: 'user', jti: 'j', exp: 9_999_999_999 };
const admin: AuthUser = { ...alice, role: 'admin' };

/** A Socket.IO message's context: the client (socket) first, then the message data. */
function socketMessage(handler: keyof Handlers, user?: AuthUser): ExecutionContextHost {
  const socket = { id: 'socket-1', data: user ? { user } : {} };
  const context = new ExecutionContextHost(
    [socket, { any: 'payload' }, () => undefined],
    Handlers,
    Handlers.prototype[handler],
  );
  context.setType('ws');
  return context;
}

function otherTransport(handler: keyof Handlers): ExecutionContextHost {
  const context = new ExecutionContextHost([{}, {}], Handlers, Handlers.prototype[handler]);
  context.setType('rpc');
  return context;
}

describe('global guards on a socket message', () => {
  const reflector = new Reflector();
  /** Socket messages never reach the HTTP bearer strategy. */
  const noHttp = {
    getPassportInstance: () => {
      throw new Error('a socket message must not be checked as an HTTP request');
    },
  } as unknown as BearerStrategy;
  const jwt = new JwtAuthGuard(reflector, noHttp);
  const roles = new RolesGuard(reflector);
  const rateLimit = new RateLimitGuard({ throttlers: [] }, new ThrottlerStorageService(), reflector);

  it('refuses a message from a socket without an authenticated user (401), unless the handler is public', () => {
    expect(() => jwt.canActivate(socketMessage('closed'))).toThrow(expect.objectContaining({ code: 'UNAUTHORIZED' }));
    expect(jwt.canActivate(socketMessage('open'))).toBe(true);
    expect(jwt.canActivate(socketMessage('closed', alice))).toBe(true);
  });

  it('applies roles to the socket user (403) without touching an HTTP request', () => {
    expect(() => roles.canActivate(socketMessage('adminOnly', alice))).toThrow(
      expect.objectContaining({ code: 'FORBIDDEN' }),
    );
    expect(() => roles.canActivate(socketMessage('adminOnly'))).toThrow(expect.objectContaining({ code: 'FORBIDDEN' }));
    expect(roles.canActivate(socketMessage('adminOnly', admin))).toBe(true);
    expect(roles.canActivate(socketMessage('closed', alice))).toBe(true);
  });

  it('lets the rate-limit guard pass socket messages without writing HTTP headers', async () => {
    await expect(rateLimit.canActivate(socketMessage('closed', alice))).resolves.toBe(true);
  });

  it('reads @CurrentUser from the socket', () => {
    expect(authUserOf(socketMessage('closed', alice))).toBe(alice);
    expect(authUserOf(socketMessage('closed'))).toBeUndefined();
  });

  it('refuses any other transport instead of letting it through', async () => {
    expect(() => jwt.canActivate(otherTransport('open'))).toThrow(expect.objectContaining({ code: 'UNAUTHORIZED' }));
    expect(() => roles.canActivate(otherTransport('adminOnly'))).toThrow(/Unsupported transport/);
    await expect(rateLimit.canActivate(otherTransport('closed'))).rejects.toThrow(/Unsupported transport/);
  });
});
