/**
 * The one polling wait of the test suite: resolves once `cond` holds, checking every 5 ms (events
 * on loopback arrive within milliseconds), and fails with `what` after the timeout. The timeout
 * (a number, ms; default 10 000) and the label (a string) may come in either order. This waits
 * for an event to have happened; it never stands in for "wait a while".
 */
export async function until(
  cond: () => boolean | Promise<boolean>,
  a?: number | string,
  b?: number | string,
): Promise<void> {
  const timeoutMs = typeof a === 'number' ? a : typeof b === 'number' ? b : 10_000;
  const what = typeof a === 'string' ? a : typeof b === 'string' ? b : 'condition';
  const start = Date.now();
  while (!(await cond())) {
    if (Date.now() - start > timeoutMs)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
