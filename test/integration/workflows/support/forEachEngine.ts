import { afterAll, beforeAll, describe } from 'vitest';
import { describeWithPostgres } from '../../../support/postgres.ts';
import {
  catalogFromDescription,
  compileWorkflow,
  applyHostSteps,
  type CompiledWorkflow,
} from '../../../../src/workflows/index.ts';
import { fixtureCatalog } from './fixtures.ts';
import { postgisTestEngine } from './postgisTestEngine.ts';
import { spatialiteTestEngine } from './spatialiteTestEngine.ts';
import type { TestEngine } from './TestEngine.ts';

export const fixtureLookup = catalogFromDescription(fixtureCatalog);

export interface WorkflowRunner {
  readonly engine: TestEngine;
  run(doc: unknown, args?: Record<string, unknown>): Promise<Record<string, unknown>[]>;
  compile(doc: unknown, args?: Record<string, unknown>): CompiledWorkflow;
}

/** Declares the same suite on SpatiaLite (always) and PostGIS (when PostgreSQL is reachable). */
export function forEachEngine(title: string, body: (runner: WorkflowRunner) => void): void {
  const suites: [string, typeof describe, () => Promise<TestEngine>][] = [
    ['spatialite', describe, () => spatialiteTestEngine()],
    ['postgis', describeWithPostgres as typeof describe, () => postgisTestEngine()],
  ];
  for (const [name, describeFn, start] of suites) {
    describeFn(`${title} on ${name}`, () => {
      let engine: TestEngine | undefined;
      beforeAll(async () => {
        engine = await start();
      });
      afterAll(async () => {
        await engine?.close();
      });
      const runner: WorkflowRunner = {
        get engine() {
          if (!engine) throw new Error('engine not started');
          return engine;
        },
        compile(doc, args = {}) {
          return compileWorkflow(doc, {
            dialect: name as 'spatialite' | 'postgis',
            catalog: fixtureLookup,
            args,
          });
        },
        async run(doc, args = {}) {
          const compiled = runner.compile(doc, args);
          return applyHostSteps(await runner.engine.run(compiled.query), compiled.hostSteps);
        },
      };
      body(runner);
    });
  }
}

/** A linear workflow from a list of [component, config] steps, each feeding the next. */
export function chain(...steps: [string, Record<string, unknown>?][]) {
  return {
    name: 'test',
    nodes: steps.map(([component, config], i) => ({
      id: `s${i}`,
      component,
      ...(i ? { inputs: { input: `s${i - 1}` } } : {}),
      ...(config ? { config } : {}),
    })),
    output: `s${steps.length - 1}`,
  };
}
