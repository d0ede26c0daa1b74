import { defineGrid } from './defineGrid.ts';
import { hexagonCells } from './gridCells.ts';

export const hexGrid = defineGrid('hex_grid', 'flat-topped hexagonal', hexagonCells);
