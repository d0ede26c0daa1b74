/**
 * A workflow (by default `gated` on the connection `warehouse`) whose query returns the
 * warehouse's `gated_rows` only once the test releases the advisory lock `gate` it holds, so a
 * test decides when a job may finish (kill it mid-run, race submissions against a full queue,
 * lose the store, cancel it). The gate key also marks the query in pg_stat_activity.
 */
export function gatedWorkflowDocument(gate: number, { name = 'gated', connection = 'warehouse' } = {}) {
  return {
    name,
    description: `Rows of gated_rows once lock ${gate} is free.`,
    connection,
    parameters: [],
    nodes: [
      {
        id: 'rows',
        component: 'sql_query',
        config: {
          sql: `SELECT n FROM gated_rows, (SELECT pg_advisory_xact_lock_shared(${gate})) AS gate`,
          columns: [{ name: 'n', type: 'integer' }],
        },
      },
      { id: 'result', component: 'result', inputs: { input: 'rows' } },
    ],
    output: 'result',
  };
}
