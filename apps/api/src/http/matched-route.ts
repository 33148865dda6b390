import { Request } from 'express';

/**
 * The path that the request-logger binding of nestjs-pino is registered on (logging.ts): Nest
 * mounts it with `app.all`, so it becomes `request.route` of a request that no controller matched.
 */
export const EVERY_PATH = '{*path}';

/**
 * The pattern of the route that answered (/predictions/:id), never the path itself, so that ids
 * and queries stay out of metric labels, logs and traces; `unmatched` for a 404 or a request
 * refused before routing (413, 415, 429, malformed JSON), so clients cannot grow the label set.
 */
export function matchedRoute(request: Request): string {
  const path = (request.route as { path?: string } | undefined)?.path;
  return path === undefined || path.endsWith(EVERY_PATH) ? 'unmatched' : path;
}
