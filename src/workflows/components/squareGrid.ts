import { defineGrid } from './defineGrid.ts';
import { squareCells } from './gridCells.ts';

export const squareGrid = defineGrid('square_grid', 'square', squareCells);
