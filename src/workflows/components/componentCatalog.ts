import { z } from 'zod';
import type { ComponentCategory } from './Component.ts';
import { paramRefJsonSchema } from '../document/ParamRef.ts';
import { components } from './components.ts';

export interface ComponentDescription {
  name: string;
  category: ComponentCategory;
  description: string;
  inputs: { name: string; description: string }[];
  /** JSON Schema of the config; fields that accept `{"$param": …}` say so. */
  configSchema: Record<string, unknown>;
  execution: 'sql' | 'host' | 'output';
  requiresRole?: 'editor';
  writes?: boolean;
}

function describeComponent(name: string): ComponentDescription {
  const c = components.get(name)!;
  return {
    name: c.name,
    category: c.category,
    description: c.description,
    inputs: c.inputs,
    configSchema: z.toJSONSchema(c.config as z.ZodType, {
      io: 'input',
      unrepresentable: 'any',
      override: ({ jsonSchema }) => {
        const kind = (jsonSchema as { paramRefKind?: string }).paramRefKind;
        if (kind === undefined) return;
        delete (jsonSchema as { paramRefKind?: string }).paramRefKind;
        Object.assign(jsonSchema, paramRefJsonSchema, {
          description: `a workflow parameter of kind ${kind}: {"$param": "name"}`,
        });
      },
    }) as Record<string, unknown>,
    execution: c.execution,
    ...(c.requiresRole ? { requiresRole: c.requiresRole } : {}),
    ...(c.writes ? { writes: true } : {}),
  };
}

/** The catalog for people, models and the workspace UI: every component with its config schema. */
export const componentCatalog: readonly ComponentDescription[] = [...components.keys()].map(
  describeComponent,
);
