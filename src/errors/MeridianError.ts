/**
 * The one base of Meridian's own errors. Each carries a machine `code` (stable, for logs, tests
 * and clients), the HTTP `status` it means when it reaches an HTTP face, and `showable`: whether
 * its message is written for the caller (it names no SQL, DSN, host or another organization's
 * data) and may be shown as is. A face maps these to its own form (an RFC 9457 problem on the
 * JSON API, a tool result on MCP) in one place, instead of each route translating error classes.
 *
 * A leaf: it imports nothing from the project, so every layer may extend it.
 */
export abstract class MeridianError extends Error {
  abstract readonly code: string;
  abstract readonly status: number;
  abstract readonly showable: boolean;
  /** The request field at fault ("layers.1.source.jobId"), when there is one: a form points at it. */
  declare readonly field?: string;
  /** Set when nothing is wrong with the request, only the server is busy: retry after this long. */
  declare readonly retryAfterSeconds?: number;

  /** The field-level problems a form shows next to its inputs; none when no field is at fault. */
  fieldErrors(): { field: string; message: string }[] | undefined {
    return this.field === undefined ? undefined : [{ field: this.field, message: this.message }];
  }

  /** Facts beyond the message that a client acts on (RFC 9457 extension members). */
  problemExtensions(): Record<string, unknown> | undefined {
    return undefined;
  }
}
