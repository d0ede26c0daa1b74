import type { MultiPolygon, Polygon, Position } from 'geojson';

/**
 * world-atlas and us-atlas polygons are spherical (made for d3-geo, which cuts them while
 * projecting): Russia's Chukotka, Fiji and the Aleutians step from 179.9° to -180° and back, and
 * Antarctica is a coastline "hole" inside a ring at the pole. Drawn on a plane (MapLibre, the PNG
 * renderer, GEOS) those become bands across the whole map. This cuts them at the antimeridian
 * into planar polygons once, when the demo data is built.
 */
export function splitAtAntimeridian(geometry: Polygon | MultiPolygon): MultiPolygon {
  const polygons = geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates;
  return { type: 'MultiPolygon', coordinates: polygons.flatMap(splitPolygon) };
}

const jumps = (ring: Position[]) =>
  ring.slice(1).filter((p, i) => Math.abs(p[0]! - ring[i]![0]!) > 180).length;
const isPolar = (ring: Position[]) => ring.every((p) => Math.abs(p[1]!) >= 89.99);

function splitPolygon(rings: Position[][]): Position[][][] {
  if (!rings.some((ring) => jumps(ring) > 0)) return [rings];
  const aroundPole = rings.find((ring) => jumps(ring) % 2 === 1 && !isPolar(ring));
  if (aroundPole) {
    const holes = rings.filter((ring) => ring !== aroundPole && !isPolar(ring) && jumps(ring) === 0);
    return [[closeThroughPole(aroundPole), ...holes]];
  }
  // Rings that cross and come back: unwrap them to one side of ±180, then cut at 180.
  const unwrapped = rings.map(unwrap);
  const east = unwrapped.map((ring) => clip(ring, (x) => x >= 180).map(([x, y]) => [x! - 360, y!]));
  const west = unwrapped.map((ring) => clip(ring, (x) => x <= 180));
  // A side the outer ring only touches (points on 180 itself) has no area: no polygon there.
  return [west, east].flatMap((part) =>
    area(part[0]!) > 1e-12 ? [part.filter((ring) => area(ring) > 1e-12)] : [],
  );
}

function area(ring: Position[]): number {
  let twice = 0;
  for (let i = 0; i < ring.length - 1; i++)
    twice += ring[i]![0]! * ring[i + 1]![1]! - ring[i + 1]![0]! * ring[i]![1]!;
  return Math.abs(twice / 2);
}

/** Continuous longitudes (179.9 → 180.1, not -179.9), shifted so the ring lies around +180. */
function unwrap(ring: Position[]): Position[] {
  let offset = 0;
  const out = ring.map((p, i) => {
    if (i > 0) {
      const step = p[0]! - ring[i - 1]![0]!;
      if (step > 180) offset -= 360;
      else if (step < -180) offset += 360;
    }
    return [p[0]! + offset, p[1]!];
  });
  return Math.min(...out.map((p) => p[0]!)) < -180 || Math.max(...out.map((p) => p[0]!)) <= 0
    ? out.map(([x, y]) => [x! + 360, y!])
    : out;
}

/** Sutherland–Hodgman against one vertical line: the part of the ring where `inside(x)`. */
function clip(ring: Position[], inside: (x: number) => boolean): Position[] {
  const out: Position[] = [];
  for (let i = 0; i < ring.length - 1; i++) {
    const a = ring[i]!;
    const b = ring[i + 1]!;
    if (inside(a[0]!)) out.push(a);
    if (inside(a[0]!) !== inside(b[0]!) && a[0] !== 180 && b[0] !== 180) {
      const t = (180 - a[0]!) / (b[0]! - a[0]!);
      out.push([180, a[1]! + t * (b[1]! - a[1]!)]);
    }
  }
  if (out.length) out.push(out[0]!);
  return out;
}

/** A coastline that goes once around a pole becomes a ring closed along ±180 and the pole. */
function closeThroughPole(ring: Position[]): Position[] {
  const open = ring.slice(0, -1);
  const at = open.findIndex((p, i) => i > 0 && Math.abs(p[0]! - open[i - 1]![0]!) > 180);
  const line = at > 0 ? [...open.slice(at), ...open.slice(0, at)] : open;
  const pole = line.reduce((sum, p) => sum + p[1]!, 0) < 0 ? -90 : 90;
  const first = line[0]!;
  const last = line[line.length - 1]!;
  const edge = (x: number) => (x > 0 ? 180 : -180);
  return [
    ...line,
    [edge(last[0]!), last[1]!],
    [edge(last[0]!), pole],
    [edge(first[0]!), pole],
    [edge(first[0]!), first[1]!],
    first,
  ];
}
