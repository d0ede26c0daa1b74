import type { Generated } from 'kysely';

/**
 * The store's tables, as Kysely sees them. Times are epoch milliseconds (bigint in PostgreSQL,
 * read back as numbers), ids are random 128-bit base64url strings, never sequential.
 */
export interface OrganizationsTable {
  id: string;
  name: string;
  slug: string;
  created_at: number;
  /** Bumped whenever the organization's MCP tools change (publish, unpublish, sharing). */
  tool_catalog_version: Generated<number>;
}

export type Role = 'admin' | 'editor' | 'viewer';

export interface UsersTable {
  id: string;
  email: string;
  display_name: string;
  password_hash: string;
  created_at: number;
  disabled_at: number | null;
}

export interface MembershipsTable {
  org_id: string;
  user_id: string;
  role: Role;
  created_at: number;
}

export interface ApiTokensTable {
  id: string;
  org_id: string;
  user_id: string;
  name: string;
  /** sha256 of the secret part; the secret itself is shown once and never stored. */
  secret_hash: string;
  scopes: string;
  created_at: number;
  last_used_at: number | null;
  expires_at: number | null;
  revoked_at: number | null;
}

export interface WebSessionsTable {
  /** sha256 of the cookie value. */
  id_hash: string;
  user_id: string;
  org_id: string;
  csrf_token: string;
  created_at: number;
  expires_at: number;
}

export interface McpSessionsTable {
  /** sha256 of the Mcp-Session-Id a 2025-protocol client holds. */
  id_hash: string;
  user_id: string;
  org_id: string;
  protocol_version: string;
  created_at: number;
  last_seen_at: number;
  ended_at: number | null;
  /** What logging/setLevel asked for; null until the client sets one. */
  log_level: string | null;
}

export interface AuditLogTable {
  id: Generated<number>;
  at: number;
  org_id: string | null;
  user_id: string | null;
  /** OAuth client id, `api-token:<id>`, `workspace` or `cli`. */
  actor: string;
  action: string;
  target: string | null;
  detail: string | null;
  ip: string | null;
}

/** One row per oidc-provider artifact (model + id), with the fields its adapter looks up by. */
export interface OidcPayloadsTable {
  model: string;
  id: string;
  payload: string;
  grant_id: string | null;
  uid: string | null;
  user_code: string | null;
  client_id: string | null;
  /** `<orgId>.<userId>`: who the artifact acts for. */
  account_id: string | null;
  created_at: number;
  expires_at: number | null;
  consumed_at: number | null;
  /** Grants only: when a token of the grant was last used at /mcp (throttled). */
  last_used_at: number | null;
  /** Grants only: what the user saw when consenting (redirect URI, client metadata). */
  consent_fingerprint: string | null;
}

export type OAuthClientKind = 'preregistered' | 'dcr' | 'cimd';

export interface OAuthClientsTable {
  id: string;
  kind: OAuthClientKind;
  org_id: string | null;
  name: string;
  /** JSON client metadata (RFC 7591 names). */
  metadata: string;
  /** sha256 of the client secret (pre-registered clients); the secret is shown once. */
  secret_hash: string | null;
  previous_secret_hash: string | null;
  previous_secret_expires_at: number | null;
  created_by: string | null;
  created_at: number;
  updated_at: number;
  disabled_at: number | null;
}

export interface OAuthSigningKeysTable {
  kid: string;
  alg: string;
  private_jwk_enc: string;
  created_at: number;
  retired_at: number | null;
}

export interface OAuthOrgPoliciesTable {
  org_id: string;
  dcr_enabled: number;
  cimd_mode: 'any' | 'listed';
  updated_at: number;
}

export interface OAuthCimdHostRulesTable {
  org_id: string;
  host: string;
  rule: 'allow' | 'block';
  created_at: number;
}

/** One run of a job by one worker (see migration 0007). */
export interface JobRunsTable {
  job_id: string;
  attempt: number;
  /** The lease owner: one JobRunner instance (one process). */
  owner: string;
  started_at: number;
  /** When that worker stopped; null while it runs (or if its process died). */
  ended_at: number | null;
  /** succeeded, failed, cancelled, or why the worker let go (lease lost, shutdown, lost). */
  outcome: string | null;
}

export type JobState = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled' | 'expired';

export interface JobsTable {
  id: string;
  org_id: string;
  user_id: string;
  client_id: string;
  kind: string;
  title: string;
  /** JSON: what the job's handler needs to run it. */
  input: string;
  idempotency_key: string | null;
  state: JobState;
  attempt: number;
  max_attempts: number;
  lease_owner: string | null;
  lease_expires_at: number | null;
  cancel_requested_at: number | null;
  progress: number | null;
  progress_message: string | null;
  error: string | null;
  /** JSON array of { name, type }. */
  result_columns: string | null;
  result_row_count: number | null;
  /** 0/1: the result hit the per-job cap. */
  result_truncated: number | null;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  /** Results are readable until then; afterwards the job is `expired` and its pages purged. */
  expires_at: number | null;
  /** Bytes of result pages the current attempt stored (counted against the org's result quota). */
  result_bytes: number;
}

/** The row /readyz rewrites to prove the store takes writes. */
export interface StoreHeartbeatTable {
  id: string;
  beat_at: number;
}

export interface JobResultPagesTable {
  job_id: string;
  attempt: number;
  page_no: number;
  first_row: number;
  row_count: number;
  /** JSON array of row objects. */
  rows: string;
}

export type ConnectionKind = 'spatialite' | 'postgis';

export interface ConnectionsTable {
  id: string;
  org_id: string;
  name: string;
  kind: ConnectionKind;
  description: string;
  /** SecretBox-sealed JSON: `{ file }` for the embedded engine, `{ url }` for PostGIS. */
  sealed_config: string;
  /** 0/1: only admins and listed members may use it. */
  restricted: number;
  created_by: string | null;
  created_at: number;
  updated_at: number;
}

export interface ConnectionMembersTable {
  connection_id: string;
  user_id: string;
}

export type ToolMode = 'sync' | 'async';

/** Every saved document of a workflow; the highest version is the workflows row's document. */
export interface WorkflowVersionsTable {
  workflow_id: string;
  version: number;
  /** The workflow document as saved, JSON. */
  document: string;
  /** Who saved it; null for versions saved before history was kept. */
  saved_by: string | null;
  saved_at: number;
}

export interface WorkflowsTable {
  id: string;
  org_id: string;
  name: string;
  description: string;
  connection_name: string;
  /** The workflow document, JSON. */
  document: string;
  version: number;
  created_by: string | null;
  created_at: number;
  updated_at: number;
  /** Set while published as an MCP tool. */
  tool_name: string | null;
  tool_title: string | null;
  tool_description: string | null;
  tool_mode: ToolMode | null;
  sync_deadline_ms: number | null;
  published_at: number | null;
  published_by: string | null;
}

export type MapVisibility = 'private' | 'organization';

export interface MapsTable {
  id: string;
  org_id: string;
  owner_user_id: string;
  title: string;
  description: string;
  /** The MapDefinition, JSON (fully defaulted). */
  definition: string;
  visibility: MapVisibility;
  /** Lower-cased title, description and layer sources: what find_maps matches. */
  search_text: string;
  /** sha256 of the public link's token; null while the link is off. */
  public_token_hash: string | null;
  /** The token, SecretBox-sealed, so its owner can copy the link again. */
  public_token_sealed: string | null;
  /** Who turned the link on (its viewers see the map as this user); null while the link is off. */
  public_link_enabled_by: string | null;
  created_at: number;
  updated_at: number;
}

export interface Database {
  oidc_payloads: OidcPayloadsTable;
  oauth_clients: OAuthClientsTable;
  oauth_signing_keys: OAuthSigningKeysTable;
  oauth_org_policies: OAuthOrgPoliciesTable;
  oauth_cimd_host_rules: OAuthCimdHostRulesTable;
  organizations: OrganizationsTable;
  users: UsersTable;
  memberships: MembershipsTable;
  api_tokens: ApiTokensTable;
  web_sessions: WebSessionsTable;
  mcp_sessions: McpSessionsTable;
  audit_log: AuditLogTable;
  jobs: JobsTable;
  job_result_pages: JobResultPagesTable;
  job_runs: JobRunsTable;
  store_heartbeat: StoreHeartbeatTable;
  connections: ConnectionsTable;
  connection_members: ConnectionMembersTable;
  workflows: WorkflowsTable;
  workflow_versions: WorkflowVersionsTable;
  maps: MapsTable;
}
