#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { ConfigError } from './config.ts';
import { CliError, withStore } from './cli/withStore.ts';
import { registerServeCommand } from './cli/serveCommand.ts';
import { registerUserCommands } from './cli/userCommands.ts';
import { registerTokenCommands } from './cli/tokenCommands.ts';
import { registerClientCommands } from './cli/clientCommands.ts';
import { registerWorkflowCommands } from './cli/workflowCommands.ts';

const program = new Command('meridian')
  .description('Meridian: spatial data for AI platforms over MCP')
  .exitOverride()
  .showHelpAfterError();

registerServeCommand(program);
program
  .command('migrate')
  .description('bring the store to the latest schema')
  .action(async () => {
    await withStore(async () => undefined);
    process.stdout.write('store is at the latest schema\n');
  });
registerUserCommands(program);
registerTokenCommands(program);
registerClientCommands(program);
registerWorkflowCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) process.exit(error.exitCode);
  if (error instanceof ConfigError || error instanceof CliError) {
    // One line per problem (a run can have several bad arguments).
    for (const line of error.message.split('\n')) process.stderr.write(`meridian: ${line}\n`);
    process.exit(1);
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`meridian: ${message}\n`);
  process.exit(1);
}
