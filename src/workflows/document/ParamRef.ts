import { z } from 'zod';

/**
 * A config value taken from a workflow parameter: `{ "$param": "radius_km" }`. Only config
 * fields built with `paramOr` accept one, and the compiler binds the argument as a parameter:
 * a parameter never becomes SQL text, an identifier or a choice of operator.
 */
export interface ParamRef {
  $param: string;
}

/** What kind of parameter a field accepts (checked against the parameter's declared type). */
export type ParamKind = 'number' | 'integer' | 'string' | 'boolean' | 'date' | 'bbox' | 'geometry' | 'scalar';

export function isParamRef(value: unknown): value is ParamRef {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.keys(value).length === 1 &&
    typeof (value as Record<string, unknown>).$param === 'string'
  );
}

/**
 * zod parses objects into fresh copies, so the kind each reference was accepted as is recorded
 * against the input object itself (z.custom sees the input), for validation to look up after.
 */
const acceptedKinds = new WeakMap<object, ParamKind>();

export function acceptedKindOf(ref: ParamRef): ParamKind | undefined {
  return acceptedKinds.get(ref);
}

const paramRefShape = (kind: ParamKind) =>
  z
    .custom<ParamRef>((value) => {
      if (!isParamRef(value)) return false;
      acceptedKinds.set(value, kind);
      return true;
    })
    .meta({ description: `a workflow parameter of kind ${kind}: {"$param": "name"}`, paramRefKind: kind });

/** The JSON Schema of a parameter reference (z.custom has none of its own). */
export const paramRefJsonSchema = {
  type: 'object',
  properties: { $param: { type: 'string', description: 'name of a declared workflow parameter' } },
  required: ['$param'],
  additionalProperties: false,
};

/** A field that takes a literal of `schema` or a reference to a parameter of `kind`. */
export function paramOr<T extends z.ZodType>(schema: T, kind: ParamKind) {
  return z.union([schema, paramRefShape(kind)]);
}

/** Which declared parameter types fit a field of each kind. */
export const compatibleParameterTypes: Record<ParamKind, string[]> = {
  number: ['number', 'integer'],
  integer: ['integer'],
  string: ['string', 'enum', 'date'],
  boolean: ['boolean'],
  date: ['date', 'string'],
  bbox: ['bbox'],
  geometry: ['geometry'],
  scalar: ['string', 'number', 'integer', 'boolean', 'enum', 'date'],
};

/** Every `{ "$param": … }` in a config, with its path (`distance`, `conditions.0.value`). */
export function findParamRefs(value: unknown, path: string[] = []): { path: string; ref: ParamRef }[] {
  if (isParamRef(value)) return [{ path: path.join('.'), ref: value }];
  if (Array.isArray(value)) return value.flatMap((v, i) => findParamRefs(v, [...path, String(i)]));
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).flatMap(([k, v]) => findParamRefs(v, [...path, k]));
  }
  return [];
}

/** Replaces references with argument values (absent optional arguments become `undefined`). */
export function resolveParamRefs(value: unknown, args: Record<string, unknown>): unknown {
  if (isParamRef(value)) return args[value.$param];
  if (Array.isArray(value)) return value.map((v) => resolveParamRefs(v, args));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveParamRefs(v, args)]));
  }
  return value;
}
