import { redirectUriProblem } from './redirectUriPolicy.ts';
import { MeridianError } from '../../errors/MeridianError.ts';

/** Callback URLs the seed lists for platforms that need a pre-registered client. */
export const CALLBACK_PRESETS: Record<string, { label: string; callbacks: string[] }> = {
  chatgpt: { label: 'ChatGPT', callbacks: ['https://chatgpt.com/connector_platform_oauth_redirect'] },
  'mcp-inspector': { label: 'MCP Inspector', callbacks: ['http://localhost:8000/callback'] },
  'mcp-jam': {
    label: 'MCP Jam',
    callbacks: ['http://127.0.0.1:6274/oauth/callback/debug', 'http://127.0.0.1:6274/oauth/callback'],
  },
};

export class ClientInputError extends MeridianError {
  override name = 'ClientInputError';
  override readonly code: string = 'invalid_client_input';
  override readonly status: number = 422;
  override readonly showable: boolean = true;

  /** The input the message is about, so a form can point at it. */
  constructor(
    message: string,
    override readonly field: 'name' | 'callbacks' | 'origins' | 'preset' = 'callbacks',
  ) {
    super(message);
  }
}

export function splitList(text: string | undefined): string[] {
  return [
    ...new Set(
      (text ?? '')
        .split(/[,\s]+/)
        .map((s) => s.trim())
        .filter(Boolean),
    ),
  ];
}

/** Validates callback URLs (exact strings, kept as typed) and origins; throws a readable error. */
export function parseClientCallbacks(input: {
  callbacks?: string;
  origins?: string;
  preset?: string;
  useDefault?: boolean;
  publicUrl: URL;
}): {
  redirectUris: string[];
  allowedOrigins: string[];
} {
  if (input.useDefault) {
    return {
      redirectUris: [new URL('/oauth/callback', input.publicUrl).href],
      allowedOrigins: [input.publicUrl.origin],
    };
  }
  // Own keys only: "toString" or "__proto__" is not a preset.
  const preset =
    input.preset && Object.hasOwn(CALLBACK_PRESETS, input.preset)
      ? CALLBACK_PRESETS[input.preset]
      : undefined;
  if (input.preset && !preset)
    throw new ClientInputError(
      `unknown preset ${input.preset}; known presets: ${Object.keys(CALLBACK_PRESETS).join(', ')}`,
      'preset',
    );
  const redirectUris = [...new Set([...(preset?.callbacks ?? []), ...splitList(input.callbacks)])];
  if (redirectUris.length === 0)
    throw new ClientInputError('enter at least one allowed callback URL, or pick a preset');
  if (redirectUris.length > 10) throw new ClientInputError('at most 10 callback URLs');
  for (const uri of redirectUris) {
    const problem = redirectUriProblem(uri);
    if (problem) throw new ClientInputError(problem);
  }
  const allowedOrigins = splitList(input.origins);
  for (const origin of allowedOrigins) {
    let ok: boolean;
    try {
      ok = new URL(origin).origin === origin;
    } catch {
      ok = false;
    }
    if (!ok)
      throw new ClientInputError(
        `"${origin}" is not an origin such as https://app.example.com (no path)`,
        'origins',
      );
  }
  return { redirectUris, allowedOrigins };
}
