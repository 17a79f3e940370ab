/**
 * Runs `tick` now and then again `everyMs` after each run ends (never two at once), until the
 * returned function is called. A failed run goes to `onError`; the next run tries again.
 */
export function repeatEvery(
  tick: () => Promise<unknown>,
  everyMs: number,
  onError: (err: unknown) => void,
): () => void {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const run = async () => {
    if (stopped) return;
    try {
      await tick();
    } catch (err) {
      onError(err);
    }
    if (!stopped) timer = setTimeout(() => void run(), everyMs);
  };
  timer = setTimeout(() => void run(), 0);
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
  };
}
