import type { Kysely } from 'kysely';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import type { Database } from '../store/schema.ts';
import type { Caller } from '../store/Caller.ts';
import { publishWorkflow, saveWorkflow, listWorkflows } from './workflowRepository.ts';

const examplesDir = fileURLToPath(new URL('../../examples/workflows/', import.meta.url));

/** Tool names and modes for the shipped examples (H3 density is the long one: async). */
const PUBLICATIONS: Record<string, { toolName: string; title: string; mode: 'sync' | 'async' }> = {
  cities_within_radius: { toolName: 'cities_within_radius', title: 'Cities within a radius', mode: 'sync' },
  population_by_country_in_bbox: {
    toolName: 'population_by_country',
    title: 'Population by country in a bounding box',
    mode: 'sync',
  },
  h3_city_density: { toolName: 'h3_city_density', title: 'H3 density of cities', mode: 'async' },
  nearest_cities: { toolName: 'nearest_cities', title: 'Nearest cities to a place', mode: 'sync' },
  counties_in_polygon: {
    toolName: 'counties_in_polygon',
    title: 'US counties intersecting a polygon',
    mode: 'sync',
  },
};

/**
 * The demo organization gets the example workflows, published as MCP tools, the first time it
 * has none: a newcomer's MCP client sees useful tools at once.
 */
export async function bootstrapDemoWorkflows(db: Kysely<Database>, caller: Caller): Promise<string[]> {
  if ((await listWorkflows(db, caller)).length > 0) return [];
  const published: string[] = [];
  for (const file of readdirSync(examplesDir)
    .filter((f) => f.endsWith('.json'))
    .sort()) {
    const saved = await saveWorkflow(db, caller, readFileSync(join(examplesDir, file), 'utf8'));
    const publication = PUBLICATIONS[saved.name];
    if (publication) {
      await publishWorkflow(db, caller, saved.id, { ...publication, description: saved.description });
      published.push(publication.toolName);
    }
  }
  return published;
}
