import { chromium, type Browser } from 'playwright-core';
import { mkdirSync } from 'node:fs';

export const ARTIFACTS_DIR = 'test-artifacts';

export async function launchChromium(): Promise<Browser> {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  return chromium.launch({
    executablePath: process.env.MERIDIAN_CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}
