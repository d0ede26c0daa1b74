export {
  JobRunner,
  type JobContext,
  type JobHandler,
  type JobRunnerOptions,
  type JobEvent,
} from './JobRunner.ts';
export {
  submitJob,
  getJob,
  listJobs,
  listOrganizationJobs,
  requestJobCancel,
  readJobResult,
  DEFAULT_JOB_LIMITS,
  type JobLimits,
  type JobSubmission,
  type CancelOutcome,
  type ResultPage,
} from './jobRepository.ts';
export { QueueFullError, IdempotencyConflictError, JobFailure, ResultQuotaError } from './JobErrors.ts';
export { orgResultBytes } from './orgResultBytes.ts';
export { TERMINAL_STATES, type JobView } from './jobViews.ts';
export { ResultSink } from './ResultSink.ts';
export { waitForJob } from './waitForJob.ts';
export { countRecentJobs } from './countRecentJobs.ts';
export { createWorkflowJobHandler, WORKFLOW_JOB, type WorkflowJobInput } from './createWorkflowJobHandler.ts';
export {
  submitWorkflowRun,
  type WorkflowRunRequest,
  type WorkflowRunSubmission,
} from './submitWorkflowRun.ts';
export { decodeResultCursor, encodeResultCursor } from './resultCursor.ts';
export { saveWorkflowTables } from './saveWorkflowTables.ts';
