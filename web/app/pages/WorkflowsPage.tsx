import { Route, Routes } from 'react-router';
import { WorkflowList } from './workflows/WorkflowList.tsx';
import { WorkflowDetailPage } from './workflows/WorkflowDetailPage.tsx';
import './workspacePages.css';

/** Workflows: the list (import, publication state) and one workflow's graph, tool and run form. */
export function WorkflowsPage() {
  return (
    <div className="section-page">
      <Routes>
        <Route index element={<WorkflowList />} />
        <Route path=":name" element={<WorkflowDetailPage />} />
      </Routes>
    </div>
  );
}
