import { z } from 'zod';

/**
 * What a saved map is, as the workspace edits it and the store keeps it: a viewport and an
 * ordered list of layers, each naming where its features come from and how they are drawn.
 * The same schema validates `render_map`'s ad-hoc layers, so a map built in chat can be saved
 * as-is. Pure: no I/O here; resolving a source into features lives in the layer resolver.
 */

/** #rgb or #rrggbb: the only colour syntax both MapLibre and the PNG renderer read identically. */
export const hexColor = z
  .string()
  .regex(/^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/, 'a colour is #rgb or #rrggbb, for instance "#1f77b4"');

const columnName = z.string().min(1).max(128);

export const viewportSchema = z.object({
  /** [longitude, latitude] in WGS 84. */
  center: z.tuple([z.number().min(-180).max(180), z.number().min(-85.0511).max(85.0511)]),
  zoom: z.number().min(0).max(22),
});

export const tableSourceSchema = z.object({
  kind: z.literal('table'),
  /** Connection name, as list_connections returns it. */
  connection: z.string().min(1).max(128),
  /** Table name, schema-qualified where the engine has schemas ("public.cities"). */
  table: z.string().min(1).max(256),
  /** Defaults to the table's only geometry column. */
  geometryColumn: columnName.optional(),
});

export const workflowSourceSchema = z.object({
  kind: z.literal('workflow'),
  /** The published workflow's tool name. */
  tool: z.string().min(1).max(64),
  /** Fixed arguments, validated against the workflow's parameters when the layer is resolved. */
  arguments: z.record(z.string(), z.unknown()).default({}),
});

export const jobSourceSchema = z.object({
  kind: z.literal('job'),
  jobId: z.string().min(1).max(64),
});

export const layerSourceSchema = z.discriminatedUnion('kind', [
  tableSourceSchema,
  workflowSourceSchema,
  jobSourceSchema,
]);

export const categoryColorSchema = z.object({
  kind: z.literal('categories'),
  column: columnName,
  /** Explicit value → colour pairs; values not listed get `otherColor`. Empty: assigned from a palette. */
  categories: z
    .array(z.object({ value: z.union([z.string(), z.number(), z.boolean()]), color: hexColor }))
    .max(64)
    .default([]),
  otherColor: hexColor.default('#9e9e9e'),
});

export const rampColorSchema = z.object({
  kind: z.literal('ramp'),
  column: columnName,
  /** Two or more colours spread evenly over `domain`. */
  colors: z.array(hexColor).min(2).max(9).default(['#fff5eb', '#fd8d3c', '#7f2704']),
  /** [min, max] of the column; computed from the features when left out. */
  domain: z.tuple([z.number(), z.number()]).optional(),
});

export const colorBySchema = z.discriminatedUnion('kind', [categoryColorSchema, rampColorSchema]);

export const layerStyleSchema = z.object({
  fillColor: hexColor.default('#1f77b4'),
  strokeColor: hexColor.default('#ffffff'),
  strokeWidth: z.number().min(0).max(20).default(1),
  /** 0 (invisible) … 1 (opaque), applied to fills and points. */
  opacity: z.number().min(0).max(1).default(0.8),
  /** Point radius in CSS pixels. */
  pointRadius: z.number().min(0.5).max(50).default(4),
  colorBy: colorBySchema.optional(),
  /** Columns shown in the hover tooltip, in this order. */
  tooltipColumns: z.array(columnName).max(20).default([]),
});

export const mapLayerSchema = z.object({
  /** Stable within the map; letters, digits, '-' and '_'. */
  id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
  title: z.string().min(1).max(200),
  source: layerSourceSchema,
  style: layerStyleSchema.default(layerStyleSchema.parse({})),
  visible: z.boolean().default(true),
});

export const mapVisibilitySchema = z.enum(['private', 'organization']);

/** The editable part of a saved map; id, owner, share link and timestamps are the store's. */
export const mapDefinitionSchema = z.object({
  title: z.string().trim().min(1).max(200),
  description: z.string().max(4000).default(''),
  /** Null: fit to the layers' features. */
  viewport: viewportSchema.nullable().default(null),
  layers: z.array(mapLayerSchema).min(1).max(10),
  visibility: mapVisibilitySchema.default('private'),
});

export type Viewport = z.infer<typeof viewportSchema>;
export type LayerSource = z.infer<typeof layerSourceSchema>;
export type ColorBy = z.infer<typeof colorBySchema>;
export type LayerStyle = z.infer<typeof layerStyleSchema>;
export type MapLayer = z.infer<typeof mapLayerSchema>;
export type MapVisibility = z.infer<typeof mapVisibilitySchema>;
export type MapDefinition = z.infer<typeof mapDefinitionSchema>;
