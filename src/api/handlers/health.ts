import { problem } from '../problem.ts';
import type { ApiServices } from '../services.ts';
import type { ApiRequest, ApiResponse } from '../types.ts';

export const health = async (_request: ApiRequest, services: ApiServices): Promise<ApiResponse> => {
  try {
    await services.eventStore.ping();
  } catch (error) {
    return problem(503, 'store-unavailable', 'Event store unavailable', (error as Error).message, { store: services.eventStore.kind, region: services.region }, { 'retry-after': '5' });
  }
  return { status: 200, body: { status: 'ok', store: services.eventStore.kind, region: services.region, version: services.version } };
};
