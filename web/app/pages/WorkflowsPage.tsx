import { Route, Routes } from 'react-router';
import { WorkflowList } from './workflows/WorkflowList.tsx';
import { WorkflowDetailPage } from './workflows/WorkflowDetailPage.tsx';
import { WorkflowCanvasPage } from './workflows/canvas/WorkflowCanvasPage.tsx';
import './workspacePages.css';

/** Workflows: the list (import, publication state), one workflow's graph, tool and run form, and the canvas. */
export function WorkflowsPage() {
  return (
    <div className="section-page">
      <Routes>
        <Route index element={<WorkflowList />} />
        <Route path=":name" element={<WorkflowDetailPage />} />
        {/* Two segments, so no workflow name can shadow the new-workflow canvas. */}
        <Route path="canvas/new" element={<WorkflowCanvasPage />} />
        <Route path=":name/canvas" element={<WorkflowCanvasPage />} />
        {/* An old version, on the canvas read-only; keyed apart so leaving it (a restore) loads afresh. */}
        <Route path=":name/versions/:version" element={<WorkflowCanvasPage key="version" />} />
      </Routes>
    </div>
  );
}
