import pg from 'pg';

const INT8_OID = 20;
const NUMERIC_OID = 1700;

/**
 * `pg` returns int8 and numeric as strings. Callers (and JSON) want numbers: counts and sums
 * become numbers when exactly representable (int8 within 2^53), numerics when finite (a double
 * is what SpatiaLite returns for the same expression); anything else stays a string.
 * Geometry comes back as hex EWKB text unless the query asks for GeoJSON.
 */
export const postgisTypeParsers = {
  getTypeParser(oid: number, format?: 'text' | 'binary'): (value: string) => unknown {
    if (format !== 'binary' && oid === INT8_OID) {
      return (value: string) => {
        const n = Number(value);
        return Number.isSafeInteger(n) ? n : value;
      };
    }
    if (format !== 'binary' && oid === NUMERIC_OID) {
      return (value: string) => {
        const n = Number(value);
        return Number.isFinite(n) ? n : value;
      };
    }
    return pg.types.getTypeParser(oid, format ?? 'text') as (value: string) => unknown;
  },
};
