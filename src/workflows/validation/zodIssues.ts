import type { z } from 'zod';

/**
 * zod reports a failed `literal | {"$param"}` union as "Invalid input"; the literal branch's
 * own issue ("Too big: expected number to be <=1000000") is what a person needs to read.
 */
export function flattenZodIssue(issue: z.core.$ZodIssue): { path: string; message: string } {
  const path = issue.path.map(String);
  if (issue.code === 'invalid_union' && issue.errors.length > 0) {
    const first = issue.errors.find((branch) => branch.length > 0)?.[0];
    if (first) {
      const inner = flattenZodIssue(first);
      return { path: [...path, inner.path].filter(Boolean).join('.'), message: inner.message };
    }
  }
  return { path: path.join('.'), message: issue.message };
}
