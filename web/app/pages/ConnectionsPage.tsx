export function ConnectionsPage() {
  return <h1>Connections</h1>;
}
