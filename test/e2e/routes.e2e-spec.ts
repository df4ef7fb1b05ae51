import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { ModulesContainer } from '@nestjs/core';
import { IS_PUBLIC } from '@app/common';
import { randomIp, TestApp, useTestApp } from '../support/app';

/** The routes the spec leaves open; every other route needs a token. */
const PUBLIC_ROUTES = new Set([
  'POST /api/auth/register',
  'POST /api/auth/login',
  'POST /api/auth/forgot-password',
  'POST /api/auth/reset-password/:token',
  'GET /api/auth/verify-email/:token',
  'POST /api/auth/resend-verification',
  'GET /api/health',
  ...[
    'live',
    'ready',
    'info',
    'system',
    'metrics',
    'database',
    'memory',
    'cpu',
    'disk',
    'external',
    'uptime',
    'version',
    'dependencies',
  ].map((name) => `GET /api/health/${name}`),
]);

interface Route {
  method: string;
  path: string;
  isPublic: boolean;
}

/** Every route the app registers, read from the controllers' metadata. */
function routesOf(t: TestApp): Route[] {
  const routes: Route[] = [];
  for (const module of t.app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as (new (...args: never[]) => unknown) | undefined;
      if (!controller) continue;
      const base = String(Reflect.getMetadata(PATH_METADATA, controller) ?? '');
      const prototype = controller.prototype as Record<string, unknown>;
      for (const name of Object.getOwnPropertyNames(prototype)) {
        const handler = prototype[name];
        if (name === 'constructor' || typeof handler !== 'function') continue;
        if (Reflect.getMetadata(METHOD_METADATA, handler) === undefined) continue;
        const sub = String(Reflect.getMetadata(PATH_METADATA, handler));
        const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as number];
        const path = ['/api', base, sub]
          .map((p) => p.replace(/^\/|\/$/g, ''))
          .filter(Boolean)
          .join('/');
        const isPublic = Boolean(Reflect.getMetadata(IS_PUBLIC, handler) ?? Reflect.getMetadata(IS_PUBLIC, controller));
        routes.push({ method, path: `/${path}`, isPublic });
      }
    }
  }
  return routes;
}

describe('every route is authenticated unless the spec opens it', () => {
  const t = useTestApp();

  it('finds the routes of every module', () => {
    const names = routesOf(t).map((r) => `${r.method} ${r.path}`);
    expect(names).toEqual(expect.arrayContaining(['GET /api/health', 'POST /api/auth/login', 'GET /api/auth/profile']));
  });

  it('opens only the public routes of the spec', () => {
    const open = routesOf(t)
      .filter((r) => r.isPublic)
      .map((r) => `${r.method} ${r.path}`);
    expect(open.filter((name) => !PUBLIC_ROUTES.has(name))).toEqual([]);
  });

  it('answers every other route with 401 UNAUTHORIZED when no token is sent', async () => {
    const closed = routesOf(t).filter((r) => !r.isPublic);
    expect(closed.length).toBeGreaterThan(0);
    for (const route of closed) {
      const url = route.path.replace(/:[A-Za-z]+/g, '0123456789abcdef01234567');
      const res = await t.request({
        method: route.method as 'GET',
        url,
        remoteAddress: randomIp(),
        ...(['POST', 'PUT', 'PATCH'].includes(route.method) ? { body: {} } : {}),
      });
      expect({ route: `${route.method} ${route.path}`, status: res.status, code: res.body?.errorCode }).toEqual({
        route: `${route.method} ${route.path}`,
        status: 401,
        code: 'UNAUTHORIZED',
      });
    }
  });
});
