import type { Command } from 'commander';
import { loadConfig } from '../config.ts';
import { startServer } from '../server.ts';

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('start the Meridian server')
    .option('--demo', 'create the demo organization on first start')
    .option('--port <port>', 'override PORT')
    .option('--host <host>', 'override HOST')
    .action(async (opts: { demo?: boolean; port?: string; host?: string }) => {
      const started = Date.now();
      const config = loadConfig({
        ...process.env,
        ...(opts.port && { PORT: opts.port }),
        ...(opts.host && { HOST: opts.host }),
      });
      const server = await startServer(config, { demo: opts.demo });
      const lines = [
        '',
        `Meridian is running at ${config.publicUrl.href} (ready in ${Date.now() - started} ms)`,
        `  MCP server URL:  ${config.mcpUrl.href}`,
        `  Sign in:         ${new URL('/signin', config.publicUrl).href}`,
        `  Workspace:       ${new URL('/app/', config.publicUrl).href}`,
      ];
      if (server.firstAdmin) {
        lines.push(
          `  First admin:     ${server.firstAdmin.email}`,
          server.firstAdmin.generatedPassword
            ? `  Password:        ${server.firstAdmin.generatedPassword}   (shown once: write it down)`
            : '  Password:        the one in MERIDIAN_ADMIN_PASSWORD',
        );
      }
      lines.push(
        '  API token:       Developers › Credentials in the workspace, or',
        `                   npm run meridian -- token create --email ${server.firstAdmin?.email ?? '<you>'} --name "my agent"`,
        '',
      );
      if (server.demoTools.length)
        lines.push(`  Demo tools:      ${server.demoTools.join(', ')} (published workflows)`);
      if (server.demoMaps.length)
        lines.push(`  Demo maps:       ${server.demoMaps.join(', ')} (shared with the organization)`);
      if (server.demoReady)
        lines.push(
          '  Demo data:       loading into the embedded connection "demo" (world countries, cities, US states and counties)…',
          '',
        );
      process.stdout.write(lines.join('\n') + '\n');
      void server.demoReady?.then(
        () => process.stdout.write('Demo data ready: the connection "demo" can be queried.\n'),
        (error: unknown) =>
          process.stderr.write(
            `Demo data failed to load: ${error instanceof Error ? error.message : String(error)}\n`,
          ),
      );
      const stop = (signal: string) => {
        server.logger.info({ signal }, 'shutting down');
        server.close().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.once('SIGTERM', () => stop('SIGTERM'));
      process.once('SIGINT', () => stop('SIGINT'));
    });
}
