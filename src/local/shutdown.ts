/**
 * Stops a local process cleanly on Ctrl-C or SIGTERM: `stop` runs once (a second signal while it runs
 * is ignored), then the process exits 0. What `stop` finishes (requests in flight, the store) is what
 * makes an acknowledged append survive the stop.
 */
export const stopOnSignals = (stop: (signal: string) => Promise<void>): void => {
  let stopping = false;
  const onSignal = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    void stop(signal).then(() => process.exit(0));
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));
};
