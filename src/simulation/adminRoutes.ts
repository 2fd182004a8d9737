import { z } from 'zod';
import type { ApiServices } from '../api/services.ts';
import { badRequest, json, jsonBody, notFound, problemResponse, unavailable } from '../api/openapi.ts';
import type { ApiRequest, ApiResponse, OperationDoc, Route } from '../api/types.ts';
import { parseJsonBody, validate } from '../api/validation.ts';
import type { RegionalAccount } from './account.ts';
import type { ReconcileReport } from '../reconciliation/reconciler.ts';

// Operator routes of the simulated account, served by every region's local host (the same account
// behind each): watch replication, cut a region off, heal it, move the write region, run the reconciler.

/** What a region's host adds to the product's services. */
export interface RegionServices extends ApiServices {
  account: RegionalAccount;
  /** Runs this region's reconciler once. */
  reconcile(): Promise<ReconcileReport>;
}

const RegionParams = z.strictObject({ region: z.string().min(1) });
const FailoverBody = z.strictObject({
  to: z.string().min(1),
  /** Forced: take writes away from the write region at once (it goes offline until healed). */
  force: z.boolean().optional(),
});
const LagBody = z.strictObject({ replicationLagMs: z.number().int().min(0).max(3_600_000) });

const status = async (services: RegionServices): Promise<ApiResponse> => ({ status: 200, body: await services.account.status() });

const cut = async (request: ApiRequest, services: RegionServices): Promise<ApiResponse> => {
  const { path } = validate({ path: [RegionParams, request.params] });
  services.account.cut(path.region);
  return status(services);
};

const heal = async (request: ApiRequest, services: RegionServices): Promise<ApiResponse> => {
  const { path } = validate({ path: [RegionParams, request.params] });
  services.account.heal(path.region);
  return status(services);
};

const failover = async (request: ApiRequest, services: RegionServices): Promise<ApiResponse> => {
  const { body } = validate({ body: [FailoverBody, parseJsonBody(request.body)] });
  await services.account.failover(body.to, { force: body.force ?? false });
  return status(services);
};

const setLag = async (request: ApiRequest, services: RegionServices): Promise<ApiResponse> => {
  const { body } = validate({ body: [LagBody, parseJsonBody(request.body)] });
  services.account.setReplicationLag(body.replicationLagMs);
  return status(services);
};

const AccountStatus = z.looseObject({}).meta({ id: 'SimulatedAccountStatus', description: 'Regions, write region, replication and conflicts of the simulated account.' });
const operatorDoc = (summary: string, extra: Partial<OperationDoc> = {}): OperationDoc => ({
  summary,
  tags: ['regions (simulation)'],
  responses: { 200: json('The account after the operation.', AccountStatus), 400: badRequest, 404: notFound('No such region.'), 409: problemResponse('`region-operation-rejected`.'), 503: unavailable },
  ...extra,
});

/** Literal routes first: the local router takes the first template that matches. */
export const regionRoutes: Route<RegionServices>[] = [
  { name: 'regionsStatus', method: 'GET', route: 'regions', authLevel: 'function', handle: (_request, services) => status(services), doc: operatorDoc('The simulated account') },
  {
    name: 'regionsConflicts',
    method: 'GET',
    route: 'regions/conflicts',
    authLevel: 'admin',
    handle: async (_request, services) => ({ status: 200, body: { conflicts: services.account.conflicts.list() } }),
    doc: operatorDoc('The conflicts feed of the simulated account'),
  },
  {
    name: 'regionsReconcile',
    method: 'POST',
    route: 'regions/reconcile',
    authLevel: 'admin',
    handle: async (_request, services) => ({ status: 200, body: await services.reconcile() }),
    doc: operatorDoc("Run this region's reconciler once"),
  },
  { name: 'regionsFailover', method: 'POST', route: 'regions/failover', authLevel: 'admin', handle: failover, doc: operatorDoc('Move the write region', { request: { body: jsonBody(FailoverBody) } }) },
  { name: 'regionsLag', method: 'POST', route: 'regions/lag', authLevel: 'admin', handle: setLag, doc: operatorDoc('Set the replication lag', { request: { body: jsonBody(LagBody) } }) },
  { name: 'regionsCut', method: 'POST', route: 'regions/{region}/cut', authLevel: 'admin', handle: cut, doc: operatorDoc('Cut a region off', { request: { params: RegionParams } }) },
  { name: 'regionsHeal', method: 'POST', route: 'regions/{region}/heal', authLevel: 'admin', handle: heal, doc: operatorDoc('Heal a region', { request: { params: RegionParams } }) },
];
