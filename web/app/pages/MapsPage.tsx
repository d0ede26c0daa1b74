export function MapsPage() {
  return <h1>Maps</h1>;
}
