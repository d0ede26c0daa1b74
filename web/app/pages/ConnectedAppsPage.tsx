export function ConnectedAppsPage() {
  return <h1>ConnectedApps</h1>;
}
