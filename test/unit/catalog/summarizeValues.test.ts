import { describe, expect, it } from 'vitest';
import { summarizeValues } from '../../../src/catalog/summarizeValues.ts';

describe('summarizeValues', () => {
  it('summarizes numbers with quantiles and a histogram that counts every value', () => {
    const values = [...Array.from({ length: 100 }, (_, i) => i + 1), null, null];
    const s = summarizeValues(values, 'integer', 4);
    expect(s).toMatchObject({ count: 102, nulls: 2, distinct: 100, min: 1, max: 100, mean: 50.5 });
    expect(s.quantiles!.p50).toBeCloseTo(50.5);
    expect(s.quantiles!.p5).toBeCloseTo(5.95);
    expect(s.histogram!.map((b) => b.count)).toEqual([25, 25, 25, 25]);
  });

  it('summarizes text by its most frequent values', () => {
    const s = summarizeValues(['b', 'a', 'b', 'c', 'b', 'a', null], 'text');
    expect(s).toMatchObject({ count: 7, nulls: 1, distinct: 3, min: 'a', max: 'c' });
    expect(s.topValues).toEqual([
      { value: 'b', count: 3 },
      { value: 'a', count: 2 },
      { value: 'c', count: 1 },
    ]);
  });

  it('handles a constant column and an all-null column', () => {
    expect(summarizeValues([7, 7, 7], 'integer').histogram!.reduce((n, b) => n + b.count, 0)).toBe(3);
    expect(summarizeValues([null, null], 'text')).toMatchObject({
      count: 2,
      nulls: 2,
      distinct: 0,
      topValues: [],
    });
  });
});
