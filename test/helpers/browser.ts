import type { TestContext } from 'node:test';
import { chromium, type Browser } from 'playwright-core';

/**
 * Debian's headless Chromium with no network chatter of its own (updates, sync, QUIC), closed
 * when the test ends. The one launch every browser test uses.
 */
export async function launchChromium(t: TestContext): Promise<Browser> {
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
  t.after(() => browser.close());
  return browser;
}
