/** The organization's saved workflows: documents and their versions, publication as MCP tools, the demo examples. */
export * from './workflowRepository.ts';
export * from './workflowVersionRepository.ts';
export { bootstrapDemoWorkflows } from './bootstrapDemoWorkflows.ts';
