import { Route, Routes } from 'react-router';
import { ConnectionList } from './connections/ConnectionList.tsx';
import { ConnectionTables, TableColumns } from './connections/ConnectionBrowser.tsx';
import './workspacePages.css';

/** Connections: the list (test, add for admins), then a connection's tables and a table's columns. */
export function ConnectionsPage() {
  return (
    <div className="section-page">
      <Routes>
        <Route index element={<ConnectionList />} />
        <Route path=":name" element={<ConnectionTables />} />
        <Route path=":name/tables/:table" element={<TableColumns />} />
      </Routes>
    </div>
  );
}
