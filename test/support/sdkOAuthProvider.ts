import type { OAuthClientProvider } from '@modelcontextprotocol/client';

interface ProviderOptions {
  redirectUrl: string;
  clientName: string;
  clientMetadataUrl?: string;
  /** A pre-registered client (ID and secret from the workspace). */
  clientInformation?: { client_id: string; client_secret?: string };
  scope?: string;
}

/**
 * An OAuthClientProvider for tests (shape shared by the v1 and v2 SDKs): it keeps everything in
 * memory and records the authorization URL instead of opening a browser, so the test can drive
 * it (over HTTP or in Chromium) and hand the callback back with finishAuth.
 */
export class TestOAuthProvider implements OAuthClientProvider {
  authorizationUrl?: URL;
  private verifier?: string;
  private info?: Record<string, unknown>;
  private saved?: Record<string, unknown>;
  registrations = 0;

  constructor(private readonly options: ProviderOptions) {
    this.info = options.clientInformation;
  }

  get redirectUrl(): string {
    return this.options.redirectUrl;
  }

  get clientMetadataUrl(): string | undefined {
    return this.options.clientMetadataUrl;
  }

  get clientMetadata() {
    return {
      client_name: this.options.clientName,
      redirect_uris: [this.options.redirectUrl],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: this.options.clientInformation?.client_secret
        ? 'client_secret_basic'
        : 'none',
      ...(this.options.scope && { scope: this.options.scope }),
    };
  }

  clientInformation() {
    return this.info as never;
  }

  saveClientInformation(info: Record<string, unknown>) {
    this.registrations++;
    this.info = info;
  }

  tokens() {
    return this.saved as never;
  }

  saveTokens(tokens: Record<string, unknown>) {
    this.saved = tokens;
  }

  get savedTokens(): { access_token: string; refresh_token?: string } | undefined {
    return this.saved as never;
  }

  redirectToAuthorization(url: URL) {
    this.authorizationUrl = url;
  }

  saveCodeVerifier(verifier: string) {
    this.verifier = verifier;
  }

  codeVerifier(): string {
    if (!this.verifier) throw new Error('no code verifier saved');
    return this.verifier;
  }
}
