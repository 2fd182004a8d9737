// Loaded into the soak's host process with `--import` (never by the product): answers the soak's
// `memory` message on the IPC channel with the host's own process.memoryUsage(). No route is added,
// so the host serves exactly the product's API.

if (typeof process.send === 'function') {
  process.on('message', (message: unknown) => {
    if (message === 'memory') process.send!({ memory: process.memoryUsage() });
  });
  // The channel alone must not keep the host running once it has been told to stop.
  process.channel?.unref();
}
