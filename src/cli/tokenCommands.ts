import type { Command } from 'commander';
import { withStore, CliError } from './withStore.ts';
import { callerFor } from './callerFor.ts';
import { listApiTokens, revokeApiToken } from '../store/repositories/apiTokens.ts';
import { issueApiToken, TokenRequestError } from '../auth/index.ts';
import { recordAudit } from '../store/repositories/auditLog.ts';

export function registerTokenCommands(program: Command): void {
  const token = program.command('token').description('manage API access tokens for CLI agents');
  token
    .command('create')
    .description('create a token; prints it alone on the last line of stdout (shown once)')
    .requiredOption('--email <email>', 'the user the token acts as')
    .requiredOption('--name <name>', 'what the token is for, e.g. "Gemini CLI"')
    .option('--org <slug>', "organization (default: the user's first)")
    .option(
      '--scopes <scopes>',
      'space- or comma-separated scopes (default: workflows:read workflows:run connections:read maps:read)',
    )
    .option('--expires-in <duration>', 'e.g. 30d, 12h, or never', 'never')
    .action(
      async (opts: { email: string; name: string; org?: string; scopes?: string; expiresIn: string }) => {
        await withStore(async ({ db }) => {
          const caller = await callerFor(db, opts.email, opts.org);
          try {
            const created = await issueApiToken(db, caller, {
              name: opts.name,
              scopes: opts.scopes,
              expiresIn: opts.expiresIn,
              actor: 'cli',
            });
            process.stderr.write(
              `Created token "${created.name}" (${created.id}) with scopes ${created.scopes.join(' ')}, ` +
                `expires ${created.expiresAt ? new Date(created.expiresAt).toISOString() : 'never'}. It is shown once:\n`,
            );
            process.stdout.write(`${created.token}\n`);
          } catch (error) {
            if (error instanceof TokenRequestError) throw new CliError(error.message);
            throw error;
          }
        });
      },
    );
  token
    .command('list')
    .description("list a user's tokens")
    .requiredOption('--email <email>')
    .option('--org <slug>')
    .action(async (opts: { email: string; org?: string }) => {
      await withStore(async ({ db }) => {
        const caller = await callerFor(db, opts.email, opts.org);
        for (const t of await listApiTokens(db, caller)) {
          const state = t.revokedAt
            ? 'revoked'
            : t.expiresAt !== null && t.expiresAt <= Date.now()
              ? 'expired'
              : 'active';
          process.stdout.write(
            `${t.id}\t${state}\t${t.name}\t${t.scopes.join(' ')}\tlast used ${t.lastUsedAt ? new Date(t.lastUsedAt).toISOString() : 'never'}\n`,
          );
        }
      });
    });
  token
    .command('revoke')
    .description('revoke a token by id')
    .requiredOption('--email <email>')
    .requiredOption('--id <id>')
    .option('--org <slug>')
    .action(async (opts: { email: string; id: string; org?: string }) => {
      await withStore(async ({ db }) => {
        const caller = await callerFor(db, opts.email, opts.org);
        if (!(await revokeApiToken(db, caller, opts.id)))
          throw new CliError(`no active token ${opts.id} for ${opts.email}`);
        await recordAudit(db, { ...caller, actor: 'cli', action: 'api_token.revoke', target: opts.id });
        process.stdout.write(`revoked ${opts.id}\n`);
      });
    });
}
