import { describe, expect, it } from 'vitest';
import { colorExpression, NO_VALUE_COLOR, styleLayers } from '../../../web/shared/map/mapStyleLayers.ts';
import { fixtureMap } from '../../support/mapAppHost/fixtureMap.ts';

describe('mapStyleLayers', () => {
  it('a fixed colour is the fill colour itself', () => {
    expect(colorExpression('#123456', undefined)).toBe('#123456');
  });

  it('categories become a match on the value as text, first colour per label, other colour last', () => {
    const expression = colorExpression('#000', {
      kind: 'categories',
      column: 'kind',
      categories: [
        { value: 'park', color: '#00ff00' },
        { value: 1, color: '#0000ff' },
        { value: '1', color: '#ff0000' },
      ],
      otherColor: '#999999',
    });
    expect(expression).toEqual([
      'match',
      ['to-string', ['get', 'kind']],
      'park',
      '#00ff00',
      '1',
      '#0000ff',
      '#999999',
    ]);
  });

  it('no categories: every feature gets the other colour (match needs at least one label)', () => {
    expect(
      colorExpression('#000', { kind: 'categories', column: 'k', categories: [], otherColor: '#abcdef' }),
    ).toBe('#abcdef');
  });

  it('a ramp interpolates its colours evenly over the domain; missing values are grey', () => {
    expect(
      colorExpression('#000', {
        kind: 'ramp',
        column: 'v',
        colors: ['#000000', '#888888', '#ffffff'],
        domain: [10, 30],
      }),
    ).toEqual([
      'case',
      ['==', ['typeof', ['get', 'v']], 'number'],
      ['interpolate', ['linear'], ['get', 'v'], 10, '#000000', 20, '#888888', 30, '#ffffff'],
      NO_VALUE_COLOR,
    ]);
  });

  it('a one-value domain (all features equal) uses the last colour instead of an invalid interpolate', () => {
    const expression = colorExpression('#000', {
      kind: 'ramp',
      column: 'v',
      colors: ['#000000', '#ffffff'],
      domain: [5, 5],
    });
    expect(JSON.stringify(expression)).not.toContain('interpolate');
    expect(JSON.stringify(expression)).toContain('#ffffff');
  });

  it('each layer draws fills, outlines, lines and circles from one source, tagged with the layer id', () => {
    const layers = styleLayers(fixtureMap().layers[0]!);
    expect(layers.map((l) => l.type)).toEqual(['fill', 'line', 'line', 'circle']);
    expect(new Set(layers.map((l) => ('source' in l ? l.source : null)))).toEqual(
      new Set(['meridian-src-districts']),
    );
    expect(layers.every((l) => (l.metadata as { meridianLayer: string }).meridianLayer === 'districts')).toBe(
      true,
    );
  });
});
