import type { Command } from 'commander';
import { withStore, CliError } from './withStore.ts';
import { loadConfig } from '../config.ts';
import { findUserByEmail } from '../store/repositories/users.ts';
import { findOrganizationBySlug, firstAdminOf, membershipsOf } from '../store/repositories/organizations.ts';
import {
  createPreregisteredClient,
  deleteOrgClient,
  listOrgClients,
} from '../store/repositories/oauthClients.ts';
import { recordAudit } from '../store/repositories/auditLog.ts';
import {
  ClientInputError,
  parseClientCallbacks,
  addSigningKey,
  retireOldSigningKeys,
  loadOrCreateServerKey,
} from '../auth/index.ts';
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.ts';
import type { Caller } from '../store/Caller.ts';

/** The org a CLI command acts on: named by slug, or the only/first organization. */
async function orgCaller(db: Kysely<Database>, opts: { org?: string; email?: string }): Promise<Caller> {
  if (opts.email) {
    const user = await findUserByEmail(db, opts.email);
    if (!user) throw new CliError(`no user with the email ${opts.email}`);
    const memberships = await membershipsOf(db, user.id);
    const m = opts.org ? memberships.find((x) => x.orgSlug === opts.org) : memberships[0];
    if (!m) throw new CliError(`${opts.email} is not a member of ${opts.org ?? 'any organization'}`);
    if (m.role !== 'admin') throw new CliError(`${opts.email} is not an administrator of ${m.orgSlug}`);
    return { orgId: m.orgId, userId: user.id, role: 'admin' };
  }
  const org = opts.org
    ? await findOrganizationBySlug(db, opts.org)
    : await db
        .selectFrom('organizations')
        .select(['id', 'name', 'slug'])
        .orderBy('created_at')
        .executeTakeFirst();
  if (!org)
    throw new CliError(
      opts.org
        ? `no organization ${opts.org}`
        : 'no organization yet: start the server once or create a user',
    );
  const admin = await firstAdminOf(db, org.id);
  if (!admin) throw new CliError(`${org.slug} has no administrator`);
  return admin;
}

export function registerClientCommands(program: Command): void {
  const client = program
    .command('client')
    .description('manage pre-registered OAuth clients (ChatGPT, MCP Inspector, MCP Jam)');
  client
    .command('create')
    .description('create a client; prints its ID and secret (the secret is shown once)')
    .requiredOption('--name <name>', 'what the client is, e.g. "ChatGPT"')
    .requiredOption('--callback <urls>', 'allowed callback URL(s), comma-separated, exact match')
    .option('--origins <origins>', 'allowed browser origins, comma-separated')
    .option('--org <slug>', 'organization (default: the first)')
    .option('--email <email>', "the administrator creating it (default: the organization's first admin)")
    .action(
      async (opts: { name: string; callback: string; origins?: string; org?: string; email?: string }) => {
        await withStore(async ({ db }) => {
          const caller = await orgCaller(db, opts);
          let parsed;
          try {
            parsed = parseClientCallbacks({
              callbacks: opts.callback,
              origins: opts.origins,
              publicUrl: loadConfig().publicUrl,
            });
          } catch (error) {
            if (error instanceof ClientInputError) throw new CliError(error.message);
            throw error;
          }
          const created = await createPreregisteredClient(db, caller, {
            name: opts.name.trim().slice(0, 100),
            ...parsed,
          });
          await recordAudit(db, {
            ...caller,
            actor: 'cli',
            action: 'oauth_client.create',
            target: created.id,
          });
          process.stderr.write(
            `Created OAuth client "${created.name}" with callback URLs ${created.redirectUris.join(', ')}. The secret is shown once.\n`,
          );
          process.stdout.write(`client_id=${created.id}\nclient_secret=${created.secret}\n`);
        });
      },
    );
  client
    .command('list')
    .description("list the organization's OAuth clients")
    .option('--org <slug>')
    .action(async (opts: { org?: string }) => {
      await withStore(async ({ db }) => {
        const caller = await orgCaller(db, opts);
        for (const c of await listOrgClients(db, caller)) {
          process.stdout.write(
            `${c.id}\t${c.kind}\t${c.name}\t${c.redirectUris.join(',')}\tgrants ${c.activeGrants}\n`,
          );
        }
      });
    });
  client
    .command('delete')
    .description('delete a client and revoke every grant and token it holds')
    .requiredOption('--id <id>')
    .option('--org <slug>')
    .action(async (opts: { id: string; org?: string }) => {
      await withStore(async ({ db }) => {
        const caller = await orgCaller(db, opts);
        if (!(await deleteOrgClient(db, caller, opts.id)))
          throw new CliError(`no client ${opts.id} in this organization`);
        await recordAudit(db, { ...caller, actor: 'cli', action: 'oauth_client.delete', target: opts.id });
        process.stdout.write(`deleted ${opts.id}\n`);
      });
    });

  const keys = program.command('oauth-keys').description('OAuth signing keys');
  keys
    .command('rotate')
    .description(
      'add a new signing key (used by each process from its next start); with --retire, retire all but the newest',
    )
    .option(
      '--retire',
      'retire older keys (do this once the access-token lifetime has passed since the rotation)',
    )
    .action(async (opts: { retire?: boolean }) => {
      const config = loadConfig();
      await withStore(async ({ db }) => {
        if (opts.retire) {
          const retired = await retireOldSigningKeys(db);
          process.stdout.write(
            `retired ${retired.length} key(s)${retired.length ? `: ${retired.join(', ')}` : ''}\n`,
          );
          return;
        }
        const kid = await addSigningKey(db, loadOrCreateServerKey(config.dataDir, config.secretKey));
        process.stdout.write(`added signing key ${kid}; restart the server processes to sign with it\n`);
      });
    });
}
