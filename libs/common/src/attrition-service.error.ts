/**
 * Base class of every error the libraries throw on purpose. The HTTP layer maps each subclass
 * to a status in one place (apps/api/src/http/domain-error.filter.ts); libraries never speak HTTP.
 *
 * It lives in its own tiny library because inference, validation and persistence must not import
 * each other, yet their errors share this root.
 */
export abstract class AttritionServiceError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}
