import { Request } from 'express';

/**
 * The pattern of the route that answered (/predictions/:id), never the path itself, so that ids
 * and queries stay out of metric labels, logs and traces; `unmatched` for a 404 or a request
 * refused before routing (413, 415, 429, malformed JSON), so clients cannot grow the label set.
 */
export function matchedRoute(request: Request): string {
  return (request.route as { path?: string } | undefined)?.path ?? 'unmatched';
}
