import type { CompiledQuery, Dialect } from '../../../../src/engines/Engine.ts';

/** The slice of an engine the workflow tests need: run one compiled statement, get rows. */
export interface TestEngine {
  dialect: Dialect;
  run(query: CompiledQuery): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}
