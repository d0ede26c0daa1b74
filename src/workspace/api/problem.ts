import type { FastifyReply } from 'fastify';
import { MeridianError } from '../../errors/MeridianError.ts';

/**
 * RFC 9457 problem details for the workspace JSON API. `errors` lists field-level problems
 * (from zod) so a form can point at the field to fix. Never a stack trace or a secret.
 */
export interface FieldError {
  /** Dotted path of the field, e.g. "layers.0.style.fillColor". */
  field: string;
  message: string;
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  410: 'Gone',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  503: 'Service Unavailable',
};

export function sendProblem(
  reply: FastifyReply,
  status: number,
  detail: string,
  errors?: FieldError[],
  /** RFC 9457 extension members: facts a client acts on (who saved the newer version, …). */
  extensions?: Record<string, unknown>,
): FastifyReply {
  return reply
    .code(status)
    .type('application/problem+json')
    .header('Cache-Control', 'no-store')
    .send({
      type: 'about:blank',
      title: TITLES[status] ?? 'Error',
      status,
      detail,
      ...extensions,
      ...(errors ? { errors } : {}),
    });
}

/** zod issues → field errors, for a 422 on a body that parsed as JSON but is not a valid object. */
export function fieldErrorsOf(
  issues: readonly { path: readonly PropertyKey[]; message: string }[],
): FieldError[] {
  return issues.map((issue) => ({
    field: issue.path.map(String).join('.') || '(body)',
    message: issue.message,
  }));
}

/**
 * The one translation of Meridian's errors into problem documents: a showable error the caller
 * can act on (a 4xx, or a busy server's 503 with Retry-After) is answered with its own status,
 * message, field errors and extension members. Anything else is rethrown, so the app's error
 * handler logs it and answers a 500 that says nothing about internals. `field` names the field
 * to point at when the error itself names none (a token request's refusal is about its scopes).
 */
export function sendErrorProblem(
  reply: FastifyReply,
  error: unknown,
  options: { field?: string } = {},
): FastifyReply {
  if (!(error instanceof MeridianError) || !error.showable) throw error;
  const busy = error.retryAfterSeconds !== undefined;
  if (error.status >= 500 && !busy) throw error;
  if (busy) reply.header('Retry-After', String(error.retryAfterSeconds));
  const errors =
    error.field === undefined && options.field !== undefined
      ? [{ field: options.field, message: error.message }]
      : error.fieldErrors();
  return sendProblem(reply, error.status, error.message, errors, error.problemExtensions());
}
