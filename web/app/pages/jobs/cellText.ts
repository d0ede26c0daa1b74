/** Cells as text: geometry columns carry GeoJSON text, shown by type with a short coordinate hint. */
export function cellText(value: unknown, type: string): string {
  if (value === null || value === undefined) return '';
  if (type === 'geometry') {
    try {
      const geometry = (typeof value === 'string' ? JSON.parse(value) : value) as {
        type?: string;
        coordinates?: unknown;
      };
      if (geometry.type === 'Point' && Array.isArray(geometry.coordinates)) {
        return `Point (${(geometry.coordinates as number[]).map((n) => n.toFixed(4)).join(', ')})`;
      }
      return geometry.type ?? 'geometry';
    } catch {
      return 'geometry';
    }
  }
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : value.toFixed(3);
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}
