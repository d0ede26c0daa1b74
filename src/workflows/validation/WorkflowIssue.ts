import { MeridianError } from '../../errors/MeridianError.ts';

/**
 * One problem in a workflow, phrased for a person or a model to act on: where (node, field),
 * what is wrong, and how to fix it.
 */
export type WorkflowIssueCode =
  | 'invalid_document'
  | 'unknown_component'
  | 'missing_input'
  | 'extra_input'
  | 'unknown_node'
  | 'duplicate_node'
  | 'cycle'
  | 'unknown_table'
  | 'unknown_column'
  | 'type_mismatch'
  | 'undeclared_parameter'
  | 'invalid_config'
  | 'host_step_order'
  | 'unreachable_output'
  | 'forbidden';

export interface WorkflowIssue {
  code: WorkflowIssueCode;
  node?: string;
  field?: string;
  message: string;
  fix: string;
}

export function formatIssue(issue: WorkflowIssue): string {
  const where = [issue.node && `node "${issue.node}"`, issue.field && `field "${issue.field}"`]
    .filter(Boolean)
    .join(', ');
  return `${where ? `${where}: ` : ''}${issue.message}. Fix: ${issue.fix}`;
}

export class WorkflowValidationError extends MeridianError {
  override readonly code: string = 'invalid_workflow';
  override readonly status: number = 422;
  override readonly showable: boolean = true;

  constructor(readonly issues: WorkflowIssue[]) {
    super(issues.map(formatIssue).join('\n'));
    this.name = 'WorkflowValidationError';
  }
}

/** Thrown by a component when its config does not fit its inputs; the validator adds the node. */
export class ComponentConfigError extends MeridianError {
  override readonly status: number = 422;
  override readonly showable: boolean = true;

  constructor(
    readonly code: WorkflowIssueCode,
    override readonly field: string | undefined,
    message: string,
    readonly fix: string,
  ) {
    super(message);
    this.name = 'ComponentConfigError';
  }
}
