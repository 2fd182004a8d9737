import { monitorEventLoopDelay } from 'node:perf_hooks';

// Loaded into the soak's host process with `--import` (never by the product): answers the soak's
// `memory` message on the IPC channel with the host's own process.memoryUsage() and how long its event
// loop was held up since the last message. No route is added, so the host serves exactly the product's API.

if (typeof process.send === 'function') {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  process.on('message', (message: unknown) => {
    if (message !== 'memory') return;
    const eventLoop = { p99Ms: delay.percentile(99) / 1e6, maxMs: delay.max / 1e6 };
    delay.reset();
    process.send!({ memory: process.memoryUsage(), eventLoop });
  });
  // The channel alone must not keep the host running once it has been told to stop.
  process.channel?.unref();
}
