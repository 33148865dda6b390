import { NextFunction, Request, RequestHandler, Response } from 'express';
import helmet from 'helmet';

/**
 * No upgrade-insecure-requests: the service is often reached over plain HTTP inside a network,
 * where upgrading the console's and Swagger UI's own requests to https would break them.
 */
export const HELMET_OPTIONS = { contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } };

/**
 * helmet's defaults (nosniff, frame-ancestors 'self', a same-origin content security policy that
 * Swagger UI works under), and no caching of any answer: they are about people.
 *
 * With these options helmet sets the same headers on every answer, so they are taken from helmet
 * once, at start-up, and then copied onto each response: one step per request instead of helmet's
 * chain of a dozen middlewares (security-headers.spec.ts checks that the answer's headers are
 * exactly helmet's own).
 */
export function securityHeaders(): RequestHandler {
  const headers = headersSetBy(helmet(HELMET_OPTIONS));
  headers.push(['Cache-Control', 'no-store']);
  return (_request: Request, response: Response, next: NextFunction) => {
    for (const [name, value] of headers) response.setHeader(name, value);
    next();
  };
}

/**
 * The headers a middleware sets when it answers nothing itself and reads nothing of the request.
 * It must call next at once and only set or remove headers; anything else fails the start-up.
 */
export function headersSetBy(middleware: (request: Request, response: Response, next: (error?: unknown) => void) => void): [string, string][] {
  const set = new Map<string, string>();
  let passed = false;
  const recorder = {
    setHeader: (name: string, value: string | number | readonly string[]) => set.set(name, String(value)),
    removeHeader: (name: string) => set.delete(name),
  };
  const request = new Proxy({} as Request, {
    get: (_target, property) => {
      throw new Error(`security headers: helmet read request.${String(property)}; they cannot be computed once`);
    },
  });
  middleware(request, recorder as unknown as Response, (error) => {
    if (error) throw error;
    passed = true;
  });
  if (!passed) throw new Error('security headers: helmet did not pass the request on at once; they cannot be computed once');
  return [...set];
}
