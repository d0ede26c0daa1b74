import type { FastifyReply } from 'fastify';

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
