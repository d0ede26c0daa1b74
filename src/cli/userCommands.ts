import type { Command } from 'commander';
import { withStore, CliError } from './withStore.ts';
import { createUser, findUserByEmail } from '../store/repositories/users.ts';
import {
  addMembership,
  createOrganization,
  findOrganizationBySlug,
} from '../store/repositories/organizations.ts';
import { recordAudit } from '../store/repositories/auditLog.ts';
import type { Role } from '../store/schema.ts';
import { hashPassword } from '../crypto/index.ts';

const ROLES: Role[] = ['admin', 'editor', 'viewer'];

export function registerUserCommands(program: Command): void {
  const user = program.command('user').description('manage user accounts');
  user
    .command('add')
    .description('create a user (or add an existing one to an organization) with a role')
    .requiredOption('--email <email>', "the user's email")
    .option('--password <password>', 'their password (at least 12 characters); required for a new user')
    .option('--org <slug>', 'organization slug; created when it does not exist', 'demo')
    .option('--role <role>', `one of ${ROLES.join(', ')}`, 'viewer')
    .action(async (opts: { email: string; password?: string; org: string; role: string }) => {
      if (!ROLES.includes(opts.role as Role))
        throw new CliError(`--role must be one of ${ROLES.join(', ')} (got "${opts.role}")`);
      if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(opts.org))
        throw new CliError('--org must be a slug: lower-case letters, digits and dashes');
      if (!/^[^@\s]+@[^@\s]+$/.test(opts.email))
        throw new CliError(`--email must be an email address (got "${opts.email}")`);
      await withStore(async ({ db }) => {
        const org =
          (await findOrganizationBySlug(db, opts.org)) ?? (await createOrganization(db, opts.org, opts.org));
        let account = await findUserByEmail(db, opts.email);
        if (!account) {
          if (!opts.password || opts.password.length < 12)
            throw new CliError('--password of at least 12 characters is required for a new user');
          account = await createUser(db, {
            email: opts.email,
            passwordHash: await hashPassword(opts.password),
          });
        }
        await addMembership(db, org.id, account.id, opts.role as Role);
        await recordAudit(db, {
          orgId: org.id,
          userId: account.id,
          actor: 'cli',
          action: 'user.add',
          detail: { role: opts.role },
        });
        process.stdout.write(`${account.email} is ${opts.role} of ${org.slug}\n`);
      });
    });
}
