import { useMemo, useState } from 'react';
import { CATEGORY_COLORS, CATEGORY_ORDER, labelOf, type CatalogComponent } from './canvasTypes.ts';

export const COMPONENT_DRAG_TYPE = 'application/x-meridian-component';

/** The component catalog by category: click a component to add it, or drag it onto the canvas. */
export function ComponentPalette({
  components,
  onAdd,
}: {
  components: CatalogComponent[];
  onAdd(component: string): void;
}) {
  const [filter, setFilter] = useState('');
  const groups = useMemo(() => {
    const needle = filter.trim().toLowerCase();
    const shown = components.filter(
      (c) => !needle || c.name.includes(needle) || c.description.toLowerCase().includes(needle),
    );
    return CATEGORY_ORDER.map((category) => ({
      category,
      items: shown.filter((c) => c.category === category),
    })).filter((g) => g.items.length > 0);
  }, [components, filter]);
  return (
    <aside className="palette" aria-label="Components">
      <h2>Components</h2>
      <input
        type="text"
        placeholder="Search components"
        aria-label="Search components"
        value={filter}
        onChange={(e) => setFilter(e.target.value)}
      />
      {groups.map((g) => (
        <section key={g.category}>
          <h3 style={{ color: CATEGORY_COLORS[g.category] }}>{g.category}</h3>
          {g.items.map((c) => (
            <button
              key={c.name}
              type="button"
              className="palette-item"
              data-component={c.name}
              title={c.description}
              draggable
              onDragStart={(e) => {
                e.dataTransfer.setData(COMPONENT_DRAG_TYPE, c.name);
                e.dataTransfer.effectAllowed = 'move';
              }}
              onClick={() => onAdd(c.name)}
              style={{ ['--kind-color' as string]: CATEGORY_COLORS[c.category] }}
            >
              {labelOf(c.name)}
            </button>
          ))}
        </section>
      ))}
    </aside>
  );
}
