import { useState, type ReactNode } from 'react';
import { ApiError, type FieldError } from '../api.ts';

/** An error from the API (its own detail) or anything else, announced to screen readers. */
export function ErrorNotice({ error }: { error?: unknown }) {
  if (!error) return null;
  const message = error instanceof Error ? error.message : String(error);
  return (
    <div className="notice error" role="alert">
      {message}
    </div>
  );
}

export function OkNotice({ children }: { children: ReactNode }) {
  return (
    <div className="notice ok" role="status">
      {children}
    </div>
  );
}

/** The message for one field of a 422 problem, if any. */
export function fieldMessage(error: unknown, field: string): string | undefined {
  if (!(error instanceof ApiError)) return undefined;
  return error.errors.find((e: FieldError) => e.field === field || e.field.startsWith(`${field}.`))?.message;
}

/** A field's error line, linked to its input with aria-describedby={`${id}-error`}. */
export function FieldMessage({ id, error, field }: { id: string; error: unknown; field: string }) {
  const message = fieldMessage(error, field);
  return message ? (
    <p className="field-error" id={`${id}-error`}>
      {message}
    </p>
  ) : null;
}

/** A secret shown this once, with a copy button. */
export function SecretOnce({ id, label, value }: { id: string; label: string; value: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <>
      <p id={`${id}-label`}>{label}</p>
      <div className="secret">
        <code id={id} aria-labelledby={`${id}-label`}>
          {value}
        </code>
        <button
          type="button"
          className="secondary small"
          onClick={() => {
            void navigator.clipboard?.writeText(value).then(() => setCopied(true));
          }}
        >
          {copied ? 'Copied' : 'Copy'}
        </button>
      </div>
    </>
  );
}
