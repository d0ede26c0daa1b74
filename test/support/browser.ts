import { chromium, type Browser } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

/** Where screenshots are kept as test artifacts (relative to the repository root). */
export const ARTIFACTS_DIR = 'test-artifacts';

export interface LaunchOptions {
  /**
   * Software WebGL through ANGLE on SwiftShader, for MapLibre. Without a GPU, Chromium only
   * gives SwiftShader to WebGL when asked (`--enable-unsafe-swiftshader`; the fallback is being
   * removed for pages that do not opt in), and `--disable-gpu` must not be passed.
   */
  webgl?: boolean;
}

/** Debian's Chromium, driven by playwright-core (nothing is downloaded). */
export async function launchChromium(options: LaunchOptions = {}): Promise<Browser> {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const graphics = options.webgl
    ? ['--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--ignore-gpu-blocklist']
    : ['--disable-gpu'];
  return chromium.launch({
    executablePath: process.env.MERIDIAN_CHROMIUM ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      ...graphics,
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Path for a screenshot kept as a test artifact. */
export function artifactPath(name: string): string {
  const dir = join(process.cwd(), ARTIFACTS_DIR);
  mkdirSync(dir, { recursive: true });
  return join(dir, name);
}
