/**
 * Workflows: the document, its validation, the component catalog and the compiler to SQL.
 * Pure — nothing here does I/O; `jobs/` runs what `compileWorkflow` returns on an engine and
 * then `applyHostSteps` on the rows.
 */
export { type CatalogLookup, catalogFromDescription } from './catalog/CatalogLookup.ts';
export type { ColumnSchema, ColumnType } from './catalog/ColumnSchema.ts';
export { type ComponentDescription, componentCatalog } from './components/componentCatalog.ts';
export {
  type CompiledWorkflow,
  type CompiledWrite,
  type CompileOptions,
  compileWorkflow,
} from './compiler/compileWorkflow.ts';
export { type Bbox, type GeoJsonGeometry } from './document/GeoJsonGeometry.ts';
export { type ParamRef } from './document/ParamRef.ts';
export { formatWorkflowDocument, parseWorkflowDocument } from './document/parseWorkflowDocument.ts';
export {
  type WorkflowDocument,
  type WorkflowDocumentInput,
  type WorkflowNode,
  type WorkflowParameter,
  workflowDocumentSchema,
} from './document/WorkflowDocument.ts';
export { workflowDocumentJsonSchema } from './document/workflowDocumentJsonSchema.ts';
export { type Row, HostStepError, applyHostSteps } from './host/applyHostSteps.ts';
export type { HostStep } from './host/HostStep.ts';
export { parameterInputSchema } from './parameters/parameterInputSchema.ts';
export {
  type ArgumentError,
  type ArgumentValidation,
  ArgumentValidationError,
  validateArguments,
} from './parameters/validateArguments.ts';
export {
  type WorkflowPlan,
  type WorkflowValidation,
  validateWorkflow,
} from './validation/validateWorkflow.ts';
export {
  type WorkflowIssue,
  type WorkflowIssueCode,
  WorkflowValidationError,
  formatIssue,
} from './validation/WorkflowIssue.ts';
export { closestName, editDistance } from './validation/closestName.ts';
export {
  type WorkflowGraph,
  type WorkflowGraphEdge,
  type WorkflowGraphNode,
  describeWorkflowGraph,
} from './graph/describeWorkflowGraph.ts';
export { previewWorkflowDocument } from './graph/previewWorkflowDocument.ts';
