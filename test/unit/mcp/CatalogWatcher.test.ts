import pino from 'pino';
import { Writable } from 'node:stream';
import { afterEach, expect, it } from 'vitest';
import { CatalogWatcher } from '../../../src/mcp/CatalogWatcher.ts';

// A stream opening while the store cannot answer must neither throw into the caller (which holds
// a stream slot, or fires and forgets: an unhandled rejection ends the process) nor lose the
// watch: the poll takes the baseline once the store answers, and announces later changes.
let watcher: CatalogWatcher | undefined;
afterEach(() => watcher?.close());

it('watch() resolves and logs when the catalog version cannot be read, and polling recovers', async () => {
  const logs: string[] = [];
  const logger = pino(
    new Writable({
      write(chunk, _encoding, done) {
        logs.push(String(chunk));
        done();
      },
    }),
  );
  let storeUp = false;
  let version = 1;
  const notified: string[] = [];
  watcher = new CatalogWatcher({
    logger,
    catalogWatchMs: 20,
    catalogVersion: async () => {
      if (!storeUp) throw new Error('connection refused');
      return version;
    },
    watchedOrgs: () => ['org-a'],
    notify: (orgId) => notified.push(orgId),
  });

  await expect(watcher.watch('org-a')).resolves.toBeUndefined();
  expect(logs.join('')).toContain('tool catalog version read failed');

  storeUp = true;
  await new Promise((resolve) => setTimeout(resolve, 100));
  expect(notified).toEqual([]);
  version = 2;
  await new Promise((resolve) => setTimeout(resolve, 100));
  expect(notified).toContain('org-a');
});
