export function CredentialsPage() {
  return <h1>Credentials</h1>;
}
