// The console's only door to the service: same-origin fetches, the admin key from sessionStorage.
import type { ErrorResponseDto } from '@app/common';

/** The API's one error body shape. */
export type ErrorBody = ErrorResponseDto;

/** A non-2xx answer, with the API's error body when it sent one. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: ErrorBody | null,
  ) {
    super(body?.detail ?? `HTTP ${status}`);
  }
}

const KEY_STORAGE = 'attrition.adminKey';

/** Asks the user for an admin key; `refused` is true when the stored one was just rejected. */
export type KeyPrompt = (refused: boolean) => Promise<string | null>;

let prompt: KeyPrompt | null = null;
let pending: Promise<string | null> | null = null;

/** Registers the dialog that asks for the admin key on a 401. */
export function setKeyPrompt(fn: KeyPrompt): void {
  prompt = fn;
}

function askKey(refused: boolean): Promise<string | null> {
  // Concurrent 401s share one dialog.
  pending ??= (prompt ? prompt(refused) : Promise.resolve(null)).finally(() => (pending = null));
  return pending;
}

/**
 * fetch() against the API. On a 401 the user is asked for an admin key once; it is kept in
 * sessionStorage only (gone when the tab closes) and the request is sent again.
 */
export async function api(path: string, init: RequestInit & { json?: unknown } = {}): Promise<Response> {
  const { json, ...rest } = init;
  for (;;) {
    const key = sessionStorage.getItem(KEY_STORAGE);
    const headers = new Headers(rest.headers);
    headers.set('Accept', 'application/json, text/csv');
    if (json !== undefined) headers.set('Content-Type', 'application/json');
    if (key) headers.set('Authorization', `Bearer ${key}`);
    const response = await fetch(path, { ...rest, headers, body: json !== undefined ? JSON.stringify(json) : rest.body });
    if (response.status !== 401) return response;
    const entered = await askKey(key !== null);
    if (!entered) return response;
    sessionStorage.setItem(KEY_STORAGE, entered);
  }
}

/** api() and the parsed JSON body; throws ApiError on a non-2xx answer. */
export async function apiJson<T>(path: string, init: RequestInit & { json?: unknown } = {}): Promise<T> {
  const response = await api(path, init);
  if (!response.ok) throw await toApiError(response);
  return (await response.json()) as T;
}

/** The ApiError of a failed response. */
export async function toApiError(response: Response): Promise<ApiError> {
  const body = (await response.json().catch(() => null)) as ErrorBody | null;
  return new ApiError(response.status, body && typeof body.detail === 'string' ? body : null);
}

/** Offers `content` as a file download. */
export function download(filename: string, content: Blob): void {
  const url = URL.createObjectURL(content);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
