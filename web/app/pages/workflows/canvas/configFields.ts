/**
 * A component's config form, read off its JSON Schema (GET /api/v1/workflow-components): one
 * field per property, with the control its schema calls for. Fields whose schema accepts
 * `{"$param": …}` can take a workflow parameter instead of a value.
 */
export interface SchemaNode {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  anyOf?: SchemaNode[];
  oneOf?: SchemaNode[];
  items?: SchemaNode | false;
  properties?: Record<string, SchemaNode>;
  required?: string[];
  description?: string;
  default?: unknown;
  minimum?: number;
  maximum?: number;
}

export type ControlKind =
  | { kind: 'text' }
  | { kind: 'number'; integer: boolean; min?: number; max?: number }
  | { kind: 'boolean' }
  | { kind: 'enum'; values: string[] }
  /** A string, number or boolean (or a JSON list), typed as text: `42` is a number, `[1, 2]` a list. */
  | { kind: 'scalar' }
  /** An array of strings, typed as a comma-separated list. */
  | { kind: 'strings' }
  /** An array of small objects (order_by's `by`, select's `columns`): one row of sub-fields each. */
  | { kind: 'rows'; fields: ConfigField[] }
  | { kind: 'json' };

export interface ConfigField {
  name: string;
  required: boolean;
  description?: string;
  default?: unknown;
  control: ControlKind;
  /** True when the field also takes a workflow parameter. */
  acceptsParameter: boolean;
}

export function configFieldsOf(schema: SchemaNode): ConfigField[] {
  const required = new Set(schema.required ?? []);
  return Object.entries(schema.properties ?? {}).map(([name, property]) => {
    const branches = leavesOf(property);
    const parameterBranch = branches.find(isParamRefSchema);
    const literals = branches.filter((b) => b !== parameterBranch);
    const literal = !parameterBranch ? property : literals.length === 1 ? literals[0]! : { anyOf: literals };
    return {
      name,
      required: required.has(name),
      description: property.description ?? literal.description,
      default: property.default ?? literal.default,
      control: controlOf(literal),
      acceptsParameter: parameterBranch !== undefined,
    };
  });
}

/** The alternatives of a schema, nested anyOf flattened (`value`: scalar | parameter | list). */
function leavesOf(s: SchemaNode): SchemaNode[] {
  if (!s.anyOf) return [s];
  return s.anyOf.flatMap(leavesOf);
}

const SCALAR_TYPES = new Set(['string', 'number', 'integer', 'boolean']);

function isScalarOrList(s: SchemaNode): boolean {
  if (typeof s.type === 'string' && SCALAR_TYPES.has(s.type)) return true;
  return s.type === 'array' && typeof s.items === 'object' && leavesOf(s.items).every(isScalarOrList);
}

function isParamRefSchema(s: SchemaNode): boolean {
  return s.type === 'object' && s.properties?.$param !== undefined;
}

function controlOf(s: SchemaNode): ControlKind {
  if (s.enum && s.enum.every((v) => typeof v === 'string'))
    return { kind: 'enum', values: s.enum as string[] };
  if (s.type === 'string') return { kind: 'text' };
  if (s.type === 'number' || s.type === 'integer')
    return { kind: 'number', integer: s.type === 'integer', min: s.minimum, max: s.maximum };
  if (s.type === 'boolean') return { kind: 'boolean' };
  if (s.anyOf && leavesOf(s).every(isScalarOrList) && leavesOf(s).some((b) => b.type !== 'array'))
    return { kind: 'scalar' };
  if (s.type === 'array' && s.items && typeof s.items === 'object') {
    const items = s.items;
    if (items.type === 'string' && !items.enum) return { kind: 'strings' };
    if (items.type === 'object' && items.properties) {
      const fields = configFieldsOf(items);
      if (fields.every((f) => ['text', 'number', 'enum', 'boolean', 'scalar'].includes(f.control.kind)))
        return { kind: 'rows', fields };
    }
  }
  return { kind: 'json' };
}

/** A comma-separated list as the array to store; empty means "leave the field out". */
export function parseStrings(text: string): string[] | undefined {
  const items = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  return items.length ? items : undefined;
}

/** A scalar field's text: a number, true/false, a JSON list, or else the text itself. */
export function parseScalar(text: string): unknown {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  if (trimmed === 'true' || trimmed === 'false') return trimmed === 'true';
  if (trimmed !== '' && Number.isFinite(Number(trimmed))) return Number(trimmed);
  if (trimmed.startsWith('[')) {
    try {
      return JSON.parse(trimmed) as unknown;
    } catch {
      return text;
    }
  }
  return text;
}

/** A number input's text as the value to store: empty leaves the field out, non-numbers stay text for the server to name. */
export function parseNumber(text: string): number | string | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  const n = Number(trimmed);
  return Number.isFinite(n) ? n : trimmed;
}

export function isParamRef(value: unknown): value is { $param: string } {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    typeof (value as { $param?: unknown }).$param === 'string'
  );
}
