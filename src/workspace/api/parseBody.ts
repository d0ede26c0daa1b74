import type { FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { fieldErrorsOf, sendProblem } from './problem.ts';

/**
 * The request body checked against a zod schema, or a 422 problem naming each field to fix
 * (then undefined). A missing body counts as `{}`, so the problem lists the required fields.
 */
export function parseBody<S extends z.ZodType>(
  schema: S,
  request: FastifyRequest,
  reply: FastifyReply,
): z.infer<S> | undefined {
  const result = schema.safeParse(request.body ?? {});
  if (result.success) return result.data;
  sendProblem(reply, 422, 'Some fields need fixing; see errors.', fieldErrorsOf(result.error.issues));
  return undefined;
}
