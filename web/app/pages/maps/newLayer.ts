import type { LayerStyle, MapLayer } from '../../../../src/maps/mapDefinition.ts';

/** The style a new layer starts with: the schema's defaults (mapDefinition.ts), spelled out for the form. */
export const DEFAULT_STYLE: LayerStyle = {
  fillColor: '#1f77b4',
  strokeColor: '#ffffff',
  strokeWidth: 1,
  opacity: 0.8,
  pointRadius: 4,
  tooltipColumns: [],
};

export const DEFAULT_RAMP = ['#fff5eb', '#fd8d3c', '#7f2704'];

export function newLayer(existing: MapLayer[]): MapLayer {
  let n = existing.length + 1;
  while (existing.some((l) => l.id === `layer-${n}`)) n++;
  return {
    id: `layer-${n}`,
    title: `Layer ${n}`,
    source: { kind: 'table', connection: '', table: '' },
    style: { ...DEFAULT_STYLE },
    visible: true,
  };
}
