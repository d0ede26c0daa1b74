import { Link } from 'react-router';

export function NotFoundPage() {
  return (
    <div className="card">
      <h1>Page not found</h1>
      <p>
        There is no workspace page at this address. Pick a section on the left, or go to{' '}
        <Link to="/workflows">Workflows</Link>.
      </p>
    </div>
  );
}
