import type { RenderedLayer } from '../../../src/maps/renderedMap.ts';

/**
 * The legend as DOM: one block per layer, built with textContent only (titles, column names and
 * category labels come from the data and are untrusted). It reads the same `legend` the PNG
 * renderer reads, and falls back to the layer's single colour.
 */
export function renderLegend(layers: RenderedLayer[]): HTMLElement {
  const root = el('div', 'meridian-legend');
  root.dataset.testid = 'map-legend';
  root.setAttribute('aria-label', 'Legend');
  for (const layer of layers) {
    const block = el('section', 'meridian-legend-layer');
    block.dataset.layerId = layer.id;
    const legend = layer.legend;
    if (!legend) {
      block.append(entry(layer.style.fillColor, layer.title));
    } else {
      block.append(el('h3', 'meridian-legend-title', `${layer.title} · ${legend.column}`));
      if (legend.kind === 'categories') {
        for (const item of legend.entries) block.append(entry(item.color, item.label));
      } else {
        const bar = el('div', 'meridian-legend-ramp');
        bar.style.background = `linear-gradient(to right, ${legend.colors.join(', ')})`;
        bar.dataset.colors = legend.colors.join(',');
        const scale = el('div', 'meridian-legend-scale');
        scale.append(el('span', '', formatNumber(legend.min)), el('span', '', formatNumber(legend.max)));
        block.append(bar, scale);
      }
    }
    root.append(block);
  }
  return root;
}

function entry(color: string, label: string): HTMLElement {
  const row = el('div', 'meridian-legend-entry');
  row.dataset.color = color;
  const swatch = el('span', 'meridian-legend-swatch');
  swatch.style.background = color;
  row.append(swatch, el('span', 'meridian-legend-label', label));
  return row;
}

export function formatNumber(value: number): string {
  return Number.isInteger(value)
    ? value.toLocaleString('en-US')
    : value.toLocaleString('en-US', { maximumFractionDigits: 3 });
}

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className: string,
  text?: string,
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}
