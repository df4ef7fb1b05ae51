/**
 * A route's own hooks of one kind as a list, in Fastify's `onRoute` (which gives one function,
 * an array, or nothing), to add one. A hook of a route's own runs for that route only, where a
 * global hook runs for every request and has to ask each one for its route: Fastify builds the
 * whole route options object for `request.routeOptions`.
 */
export function hooksOf<Hook>(hooks: Hook | Hook[] | undefined): Hook[] {
  if (hooks === undefined) return [];
  return Array.isArray(hooks) ? hooks : [hooks];
}
