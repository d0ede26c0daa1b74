import type { AuthInfo } from '@modelcontextprotocol/server';

/** Verifies another kind of bearer token (OAuth access JWTs); returns undefined when not its kind. */
export type BearerVerifier = (token: string) => Promise<AuthInfo | undefined>;
