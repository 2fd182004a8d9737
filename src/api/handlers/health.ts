import type { ConsumerEntry } from '../../core/index.ts';
import { problem } from '../problem.ts';
import type { ApiServices } from '../services.ts';
import type { ApiRequest, ApiResponse } from '../types.ts';

/** What health adds beyond the store answering: found, never fatal (health answers for the store). */
const attention = async (services: ApiServices): Promise<Record<string, unknown>> => {
  const [entries, conflicts] = await Promise.all([
    services.consumers.entries().catch((): ConsumerEntry[] => []),
    services.pendingConflicts?.().catch(() => undefined),
  ]);
  const found = entries.flatMap((entry) => (entry.divergence === undefined ? [] : [entry.divergence]));
  return {
    ...(found.length === 0
      ? {}
      : { divergence: { detected: found.reduce((n, d) => n + d.detected, 0), repaired: found.reduce((n, d) => n + d.repaired, 0) } }),
    ...(conflicts === undefined ? {} : { conflicts }),
  };
};

export const health = async (_request: ApiRequest, services: ApiServices): Promise<ApiResponse> => {
  try {
    await services.eventStore.ping();
  } catch (error) {
    return problem(503, 'store-unavailable', 'Event store unavailable', (error as Error).message, { store: services.eventStore.kind, region: services.region }, { 'retry-after': '5' });
  }
  return {
    status: 200,
    body: { status: 'ok', store: services.eventStore.kind, region: services.region, version: services.version, ...(await attention(services)) },
  };
};
