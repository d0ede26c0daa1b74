/** A labelled place: [label, lon, lat] in WGS 84. */
export type Spot = [label: string, lon: number, lat: number];

/** The distance the edge spots are chosen around. */
export const EDGE_DISTANCE_M = 60_000;

/**
 * Places where a distance box is easiest to get wrong: across the antimeridian and over the
 * north pole. Each pair is well away from EDGE_DISTANCE_M (turf measures on a sphere, the
 * engines on the ellipsoid), so either measure agrees on which pairs are within it.
 */
export const EDGE_SPOTS: readonly Spot[] = [
  ['east_edge', 179.9, 10],
  ['west_edge', -179.9, 10], // 22 km from east_edge, across the antimeridian
  ['east_near', 179.5, 10.2],
  ['west_far', -179.5, 10],
  ['east_far', 178.8, 10],
  ['north', 0, 89.9],
  ['over_pole', 180, 89.9], // 22 km from north, over the pole
  ['pole_side', 90, 89.8],
  ['south_of_north', 0, 89],
];
