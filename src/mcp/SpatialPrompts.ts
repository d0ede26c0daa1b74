import { z } from 'zod';
import { completable, type GetPromptResult, type McpServer } from '@modelcontextprotocol/server';
import type { McpCaller } from '../auth/index.ts';
import type { CallerNameCompleter } from './CallerNameCompleter.ts';
import { scopeChallengeFor } from './McpToolSpec.ts';

function userMessage(text: string): GetPromptResult {
  return { messages: [{ role: 'user', content: { type: 'text', text } }] };
}

/**
 * Prompts for the common spatial tasks, each a recipe over Meridian's tools. They are registered
 * per request with the caller bound in, so argument completions offer only the connections,
 * tables and workflows this caller may use (another organization's names never appear). Getting
 * a prompt takes the scopes of the tools it drives; listing them is open, like tools/list.
 */
export function registerSpatialPrompts(
  server: McpServer,
  caller: McpCaller,
  names: CallerNameCompleter,
): void {
  const connection = completable(
    z.string().min(1).max(200).describe('Connection name, from list_connections'),
    (typed) => names.connections(caller, typed ?? ''),
  );

  server.registerPrompt(
    'explore_connection',
    {
      title: 'Explore a data connection',
      description:
        'Survey the tables of one connection: what is there, what is spatial, what is worth mapping.',
      argsSchema: z.object({ connection }),
      scopeChallenge: scopeChallengeFor(['connections:read']),
    },
    ({ connection }) =>
      userMessage(
        `Explore the data connection "${connection}" in Meridian.\n` +
          `1. Call list_tables with connection "${connection}" (follow nextCursor until you have them all).\n` +
          '2. For the tables with a geometry column, or the largest ones, call describe_table to see columns, extent and sample rows.\n' +
          '3. For one or two columns that look like measures or categories, call get_column_stats.\n' +
          'Then summarize: the main tables and what they hold, which are spatial (geometry type, SRID, extent), ' +
          'and two or three questions this data could answer on a map.',
      ),
  );

  server.registerPrompt(
    'run_and_map_workflow',
    {
      title: 'Run a workflow and map it',
      description: 'Run a published workflow and draw its result on a map.',
      argsSchema: z.object({
        workflow: completable(
          z.string().min(1).max(200).describe('Workflow tool name, from tools/list'),
          (typed) => names.workflows(caller, typed ?? ''),
        ),
        arguments: z
          .string()
          .max(2000)
          .optional()
          .describe('What to run it with, in words or as JSON (for example {"min_population": 100000})'),
      }),
      scopeChallenge: scopeChallengeFor(['workflows:read', 'workflows:run', 'maps:read']),
    },
    ({ workflow, arguments: args }) =>
      userMessage(
        `Run the Meridian workflow tool "${workflow}"${args ? ` with these arguments: ${args}` : ''}.\n` +
          `1. Read the input schema of ${workflow} in tools/list and call it with arguments that fit it${args ? '' : ' (ask me for any required value you cannot infer)'}.\n` +
          '2. If it answers with a jobId still running, poll get_job_status until it has succeeded.\n' +
          `3. Call render_map with one layer {source: {kind: "job", jobId}} (or {kind: "workflow", tool: "${workflow}", arguments}) and a title that says what the map shows; colour by a meaningful column with style.colorBy.\n` +
          'Then describe what the map shows in two or three sentences, mentioning if the result was capped.',
      ),
  );

  server.registerPrompt(
    'compare_areas',
    {
      title: 'Compare areas',
      description: 'Compare two or more places using the features of one table.',
      argsSchema: z.object({
        connection,
        table: completable(
          z.string().min(1).max(300).describe('Table name, from list_tables'),
          (typed, context) => names.tables(caller, context?.arguments?.connection, typed ?? ''),
        ),
        areas: z
          .string()
          .min(1)
          .max(1000)
          .describe('The places to compare, for example "Paris, Lyon and Marseille" or two bounding boxes'),
      }),
      scopeChallenge: scopeChallengeFor(['connections:read', 'maps:read']),
    },
    ({ connection, table, areas }) =>
      userMessage(
        `Compare these areas using the table "${table}" of the connection "${connection}": ${areas}.\n` +
          `1. Call describe_table (connection "${connection}", table "${table}") to learn its columns, geometry and extent.\n` +
          '2. Use get_column_stats on the columns worth comparing, and a published workflow from tools/list if one filters by area or distance.\n' +
          `3. Call render_map with a layer {source: {kind: "table", connection: "${connection}", table: "${table}"}} (or the workflow's result) so the areas can be seen side by side.\n` +
          'Then give a short comparison: counts, the notable differences, and what the numbers do not tell.',
      ),
  );
}
