import { Route, Routes } from 'react-router';
import { MapListPage } from './maps/MapListPage.tsx';
import { MapDetailPage } from './maps/MapDetailPage.tsx';
import { MapEditorPage } from './maps/MapEditorPage.tsx';
import './maps/maps.css';

/** /app/maps: the list, a map's page, and the editor for new and existing maps. */
export function MapsPage() {
  return (
    <Routes>
      <Route index element={<MapListPage />} />
      <Route path="new" element={<MapEditorPage />} />
      <Route path=":id" element={<MapDetailPage />} />
      <Route path=":id/edit" element={<MapEditorPage />} />
    </Routes>
  );
}
