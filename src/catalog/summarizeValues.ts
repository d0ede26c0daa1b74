/**
 * Statistics of one column's values, computed the same way whatever engine produced them:
 * counts, distinct values, numeric summary with quantiles and a histogram, or the most frequent
 * values for text (for geometry: the geometry types).
 */
export interface ColumnStats {
  type: string;
  count: number;
  nulls: number;
  distinct: number;
  min?: number | string;
  max?: number | string;
  mean?: number;
  quantiles?: { p5: number; p25: number; p50: number; p75: number; p95: number };
  histogram?: { from: number; to: number; count: number }[];
  topValues?: { value: string; count: number }[];
  extent?: [number, number, number, number];
}

function quantile(sorted: number[], p: number): number {
  if (sorted.length === 1) return sorted[0]!;
  const index = (sorted.length - 1) * p;
  const lo = Math.floor(index);
  const hi = Math.ceil(index);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (index - lo);
}

export function summarizeValues(values: unknown[], type: string, bins = 10): ColumnStats {
  const present = values.filter((v) => v !== null && v !== undefined);
  const stats: ColumnStats = {
    type,
    count: values.length,
    nulls: values.length - present.length,
    distinct: 0,
  };
  const numeric = present.every((v) => typeof v === 'number' || typeof v === 'bigint') && present.length > 0;
  if (numeric) {
    const nums = present.map(Number).sort((a, b) => a - b);
    stats.distinct = new Set(nums).size;
    stats.min = nums[0]!;
    stats.max = nums[nums.length - 1]!;
    stats.mean = nums.reduce((a, b) => a + b, 0) / nums.length;
    stats.quantiles = {
      p5: quantile(nums, 0.05),
      p25: quantile(nums, 0.25),
      p50: quantile(nums, 0.5),
      p75: quantile(nums, 0.75),
      p95: quantile(nums, 0.95),
    };
    const width = (stats.max - stats.min) / bins || 1;
    const histogram = Array.from({ length: bins }, (_, i) => ({
      from: (stats.min as number) + i * width,
      to: (stats.min as number) + (i + 1) * width,
      count: 0,
    }));
    for (const n of nums)
      histogram[Math.min(Math.floor((n - (stats.min as number)) / width), bins - 1)]!.count++;
    stats.histogram = histogram;
    return stats;
  }
  const counts = new Map<string, number>();
  for (const v of present) {
    const key = typeof v === 'string' ? v : JSON.stringify(v);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  stats.distinct = counts.size;
  const sortedKeys = [...counts.keys()].sort();
  if (sortedKeys.length) {
    stats.min = sortedKeys[0]!;
    stats.max = sortedKeys[sortedKeys.length - 1]!;
  }
  stats.topValues = [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, 10)
    .map(([value, count]) => ({ value: value.length > 200 ? `${value.slice(0, 200)}…` : value, count }));
  return stats;
}
