/**
 * The async tool `gated` on the connection `warehouse`: its query returns the warehouse's
 * `gated_rows` only once the test releases the advisory lock `gate` it holds, so a test decides
 * when a job may finish (kill it mid-run, race submissions against a full queue, lose the store).
 */
export function gatedWorkflowDocument(gate: number) {
  return {
    name: 'gated',
    description: 'Rows once the gate opens.',
    connection: 'warehouse',
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
