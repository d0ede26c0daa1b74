import { MAX_GEOJSON_BYTES, bboxSchema, geoJsonGeometrySchema } from '../document/GeoJsonGeometry.ts';
import type { WorkflowDocument, WorkflowParameter } from '../document/WorkflowDocument.ts';
import { flattenZodIssue } from '../validation/zodIssues.ts';
import { MeridianError } from '../../errors/MeridianError.ts';

/** Strings without a declared maxLength are still capped: a 10 MB "name" helps nobody. */
export const DEFAULT_MAX_STRING_LENGTH = 10_000;

/** A decimal number as text; anything looser (hex, `1_000`, `Infinity`) stays a string. */
const NUMBER_TEXT = /^\s*-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/;

export interface ArgumentError {
  argument: string;
  /** Says what was wrong and what is allowed, for a model to correct its call. */
  message: string;
}

export type ArgumentValidation =
  { ok: true; values: Record<string, unknown> } | { ok: false; errors: ArgumentError[] };

export class ArgumentValidationError extends MeridianError {
  override readonly code: string = 'invalid_arguments';
  override readonly status: number = 422;
  override readonly showable: boolean = true;

  constructor(readonly errors: ArgumentError[]) {
    super(errors.map((e) => e.message).join('\n'));
    this.name = 'ArgumentValidationError';
  }
}

/**
 * Checks tool-call arguments against the workflow's parameters and returns typed values with
 * defaults applied. Strings are accepted for numbers, booleans, bboxes (comma form or JSON
 * array) and geometries (GeoJSON text, or `lon,lat` for a point) — CLI `--param k=v`, models that
 * quote values — and converted only when they parse exactly.
 */
export function validateArguments(
  doc: Pick<WorkflowDocument, 'parameters'>,
  args: unknown,
): ArgumentValidation {
  const errors: ArgumentError[] = [];
  const values: Record<string, unknown> = {};
  if (args === undefined || args === null) args = {};
  if (typeof args !== 'object' || Array.isArray(args)) {
    return {
      ok: false,
      errors: [{ argument: '(arguments)', message: 'arguments must be an object of parameter name → value' }],
    };
  }
  const given = args as Record<string, unknown>;
  const known = new Set(doc.parameters.map((p) => p.name));
  for (const name of Object.keys(given)) {
    if (!known.has(name)) {
      errors.push({
        argument: name,
        message: `unknown argument "${name.slice(0, 64)}"; this workflow takes: ${[...known].join(', ') || 'no arguments'}`,
      });
    }
  }
  for (const parameter of doc.parameters) {
    const raw = given[parameter.name];
    if (raw === undefined || raw === null) {
      if (parameter.default !== undefined) values[parameter.name] = parameter.default;
      else if (parameter.required)
        errors.push({
          argument: parameter.name,
          message: `argument "${parameter.name}" is required: ${expected(parameter)}`,
        });
      continue;
    }
    const checked = checkValue(parameter, raw);
    if ('error' in checked)
      errors.push({
        argument: parameter.name,
        message: `argument "${parameter.name}" ${checked.error}; expected ${expected(parameter)}`,
      });
    else values[parameter.name] = checked.value;
  }
  return errors.length ? { ok: false, errors } : { ok: true, values };
}

function checkValue(p: WorkflowParameter, raw: unknown): { value: unknown } | { error: string } {
  switch (p.type) {
    case 'string': {
      if (typeof raw !== 'string') return { error: `must be a string, got ${kindOf(raw)}` };
      if (raw.includes('\u0000')) return { error: 'contains a NUL character (\\u0000)' };
      const max = p.maxLength ?? DEFAULT_MAX_STRING_LENGTH;
      if (raw.length > max) return { error: `is ${raw.length} characters long, over the limit of ${max}` };
      return { value: raw };
    }
    case 'number':
    case 'integer': {
      const n = typeof raw === 'string' && NUMBER_TEXT.test(raw) ? Number(raw) : raw;
      if (typeof n !== 'number') return { error: `must be a number, got ${kindOf(raw)}` };
      if (!Number.isFinite(n)) return { error: 'must be a finite number (not NaN or Infinity)' };
      if (p.type === 'integer' && !Number.isInteger(n)) return { error: `must be a whole number, got ${n}` };
      if (p.min !== undefined && n < p.min) return { error: `is ${n}, below the minimum ${p.min}` };
      if (p.max !== undefined && n > p.max) return { error: `is ${n}, above the maximum ${p.max}` };
      return { value: n };
    }
    case 'boolean': {
      if (typeof raw === 'boolean') return { value: raw };
      if (raw === 'true' || raw === 'false') return { value: raw === 'true' };
      return { error: `must be true or false, got ${kindOf(raw)}` };
    }
    case 'enum': {
      if (typeof raw !== 'string' || !p.values.includes(raw))
        return { error: `must be one of the allowed values, got ${kindOf(raw)}` };
      return { value: raw };
    }
    case 'date': {
      if (
        typeof raw !== 'string' ||
        !/^\d{4}-\d{2}-\d{2}$/.test(raw) ||
        Number.isNaN(Date.parse(`${raw}T00:00:00Z`)) ||
        new Date(`${raw}T00:00:00Z`).toISOString().slice(0, 10) !== raw
      ) {
        return { error: `must be a date YYYY-MM-DD, got ${kindOf(raw)}` };
      }
      if (p.min !== undefined && raw < p.min) return { error: `is ${raw}, before ${p.min}` };
      if (p.max !== undefined && raw > p.max) return { error: `is ${raw}, after ${p.max}` };
      return { value: raw };
    }
    case 'bbox': {
      const value = typeof raw === 'string' ? bboxFromString(raw) : raw;
      const result = bboxSchema.safeParse(value);
      if (!result.success)
        return { error: `is not a valid bbox (${flattenZodIssue(result.error.issues[0]!).message})` };
      return { value: result.data };
    }
    case 'geometry': {
      let value = raw;
      if (typeof raw === 'string') {
        if (raw.length > MAX_GEOJSON_BYTES)
          return { error: `is ${raw.length} characters, over the limit of ${MAX_GEOJSON_BYTES}` };
        const point = pointFromLonLat(raw);
        if (point) value = point;
        else {
          try {
            value = JSON.parse(raw);
          } catch {
            return { error: 'is not valid JSON (give a GeoJSON geometry object, or "lon,lat" for a point)' };
          }
        }
      }
      const result = geoJsonGeometrySchema.safeParse(value);
      if (!result.success) {
        const issue = flattenZodIssue(result.error.issues[0]!);
        return {
          error: `is not a valid GeoJSON geometry (${issue.path ? `${issue.path}: ` : ''}${issue.message})`,
        };
      }
      return { value: result.data };
    }
  }
}

function numbersFromCommaText(text: string): number[] {
  return text.split(',').map((s) => (NUMBER_TEXT.test(s) ? Number(s) : NaN));
}

/**
 * A bbox typed as text: the comma form `-10,35,30,60` or the JSON array `[-10,35,30,60]` that
 * error messages show (both CLI users and models write either). Anything else is left for the
 * schema to reject with its own message.
 */
function bboxFromString(raw: string): unknown {
  const text = raw.trim();
  if (!text.startsWith('[')) return numbersFromCommaText(text);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return raw;
  }
}

/** `lon,lat` as text is a GeoJSON Point; undefined for anything else (parsed as JSON instead). */
function pointFromLonLat(raw: string): { type: 'Point'; coordinates: [number, number] } | undefined {
  if (raw.trim().startsWith('{')) return undefined;
  const numbers = numbersFromCommaText(raw);
  if (numbers.length !== 2 || numbers.some(Number.isNaN)) return undefined;
  return { type: 'Point', coordinates: [numbers[0]!, numbers[1]!] };
}

/** What a parameter accepts, spelled out for error messages. */
export function expected(p: WorkflowParameter): string {
  switch (p.type) {
    case 'string':
      return `a string of at most ${p.maxLength ?? DEFAULT_MAX_STRING_LENGTH} characters`;
    case 'number':
    case 'integer': {
      const what = p.type === 'integer' ? 'a whole number' : 'a number';
      if (p.min !== undefined && p.max !== undefined) return `${what} from ${p.min} to ${p.max}`;
      if (p.min !== undefined) return `${what} ≥ ${p.min}`;
      if (p.max !== undefined) return `${what} ≤ ${p.max}`;
      return what;
    }
    case 'boolean':
      return 'true or false';
    case 'enum':
      return `one of ${p.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'date':
      return `a date YYYY-MM-DD${p.min ? ` from ${p.min}` : ''}${p.max ? ` to ${p.max}` : ''}`;
    case 'bbox':
      return '[minLon, minLat, maxLon, maxLat] in degrees, lon -180..180, lat -90..90, min < max';
    case 'geometry':
      return 'a GeoJSON geometry object (Point, LineString, Polygon or their Multi forms) in WGS 84 lon/lat';
  }
}

function kindOf(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string')
    return value.length > 40 ? `a string of ${value.length} characters` : JSON.stringify(value);
  if (typeof value === 'number') return String(value);
  if (typeof value === 'object') return 'an object';
  return typeof value;
}
