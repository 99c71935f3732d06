// One error type for the whole engine. The kind decides, in one place each, the CLI exit
// code (docker's: 125 when berth itself fails) and the HTTP status of the Engine API.

export type ErrorKind =
  | 'not-found'
  | 'conflict'
  | 'invalid-argument'
  | 'unauthorized'
  | 'forbidden'
  | 'unavailable'
  | 'not-implemented'
  | 'corrupt'
  | 'runtime'
  | 'internal';

export class BerthError extends Error {
  readonly kind: ErrorKind;
  /** docker's exit code for this failure when it is not the command's default (126, 127). */
  readonly exitCode?: number;
  constructor(kind: ErrorKind, message: string, options?: { cause?: unknown; exitCode?: number }) {
    super(message, options);
    this.kind = kind;
    this.exitCode = options?.exitCode;
    this.name = 'BerthError';
  }
}

export const notFound = (msg: string) => new BerthError('not-found', msg);
export const conflict = (msg: string) => new BerthError('conflict', msg);
export const invalid = (msg: string) => new BerthError('invalid-argument', msg);
export const unauthorized = (msg: string) => new BerthError('unauthorized', msg);
export const corrupt = (msg: string) => new BerthError('corrupt', msg);
export const notImplemented = (msg: string) => new BerthError('not-implemented', msg);

const HTTP_STATUS: Record<ErrorKind, number> = {
  'not-found': 404,
  conflict: 409,
  'invalid-argument': 400,
  unauthorized: 401,
  forbidden: 403,
  unavailable: 503,
  'not-implemented': 501,
  corrupt: 500,
  runtime: 500,
  internal: 500,
};

export function httpStatus(err: unknown): number {
  return err instanceof BerthError ? HTTP_STATUS[err.kind] : 500;
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
