import type { JsonSchema } from './workflowTypes.ts';

/** How one argument is entered, read off its JSON Schema (the tool's inputSchema). */
export type FieldKind =
  | { kind: 'text'; maxLength?: number }
  | { kind: 'date' }
  | { kind: 'number'; integer: boolean; min?: number; max?: number }
  | { kind: 'boolean' }
  | { kind: 'enum'; values: string[] }
  | { kind: 'numbers'; labels: string[] }
  | { kind: 'json' };

export interface RunField {
  name: string;
  required: boolean;
  description?: string;
  input: FieldKind;
  /** The form's starting text (the default, as typed). */
  initial: string | boolean | string[];
}

export function runFieldsOf(schema: JsonSchema & { properties: Record<string, JsonSchema> }): RunField[] {
  const required = new Set(schema.required ?? []);
  return Object.entries(schema.properties).map(([name, property]) => {
    const input = fieldKindOf(property);
    return {
      name,
      required: required.has(name),
      description: property.description,
      input,
      initial: initialOf(input, property.default),
    };
  });
}

function fieldKindOf(p: JsonSchema): FieldKind {
  if (p.type === 'string' && p.enum) return { kind: 'enum', values: p.enum };
  if (p.type === 'string' && p.format === 'date') return { kind: 'date' };
  if (p.type === 'string') return { kind: 'text', maxLength: p.maxLength };
  if (p.type === 'number' || p.type === 'integer')
    return { kind: 'number', integer: p.type === 'integer', min: p.minimum, max: p.maximum };
  if (p.type === 'boolean') return { kind: 'boolean' };
  // Fixed-length arrays of numbers (bbox, a point as [lon, lat]): one input per position.
  const items = p.prefixItems ?? [];
  if (
    p.type === 'array' &&
    p.minItems !== undefined &&
    p.minItems === p.maxItems &&
    p.minItems <= 8 &&
    (items.length ? items : [p.items ?? {}]).every((i) => i.type === 'number')
  ) {
    return {
      kind: 'numbers',
      labels: Array.from({ length: p.minItems }, (_, i) => items[i]?.description ?? `#${i + 1}`),
    };
  }
  return { kind: 'json' };
}

function initialOf(input: FieldKind, value: unknown): string | boolean | string[] {
  switch (input.kind) {
    case 'boolean':
      return value === true;
    case 'numbers':
      return input.labels.map((_, i) =>
        Array.isArray(value) && value[i] !== undefined ? String(value[i]) : '',
      );
    case 'json':
      return value === undefined ? '' : JSON.stringify(value);
    default:
      return value === undefined ? '' : String(value);
  }
}

/**
 * The arguments to send, and the fields the browser can already tell are wrong (required and
 * empty, a half-filled bbox). Everything else the server checks, with the tool's own messages.
 */
export function argumentsOf(
  fields: RunField[],
  values: Record<string, string | boolean | string[]>,
): { args: Record<string, unknown>; errors: Record<string, string> } {
  const args: Record<string, unknown> = {};
  const errors: Record<string, string> = {};
  for (const field of fields) {
    const value = values[field.name] ?? field.initial;
    const { input } = field;
    if (input.kind === 'boolean') {
      args[field.name] = value === true;
      continue;
    }
    if (input.kind === 'numbers') {
      const parts = (value as string[]).map((s) => s.trim());
      if (parts.every((s) => s === '')) {
        if (field.required) errors[field.name] = `Fill in all ${parts.length} numbers.`;
        continue;
      }
      if (parts.some((s) => s === '')) {
        errors[field.name] = `Fill in all ${parts.length} numbers, or none.`;
        continue;
      }
      args[field.name] = parts.map((s) => (Number.isFinite(Number(s)) ? Number(s) : s));
      continue;
    }
    const text = String(value).trim();
    if (text === '') {
      if (field.required) errors[field.name] = 'Required.';
      continue;
    }
    if (input.kind === 'number') args[field.name] = Number.isFinite(Number(text)) ? Number(text) : text;
    else if (input.kind === 'json') {
      // Sent as typed when it is not JSON: the server says what is wrong with it.
      try {
        args[field.name] = JSON.parse(text);
      } catch {
        args[field.name] = text;
      }
    } else args[field.name] = text;
  }
  return { args, errors };
}
