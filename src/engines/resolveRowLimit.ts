import { EngineError } from './Engine.ts';

/** A caller's `maxRows` (or the engine default) as a non-negative integer; junk is an error, not "no limit". */
export function resolveRowLimit(requested: number | undefined, fallback: number): number {
  const value = requested ?? fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new EngineError('sql', 'maxRows must be a non-negative finite number');
  }
  return Math.floor(value);
}
