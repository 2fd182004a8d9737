import { AckBody, CreateGroupBody, GroupParams, NackBody, NextQuery, ReplayBody } from '../feedSchemas.ts';
import type { ApiServices } from '../services.ts';
import type { ApiRequest, ApiResponse } from '../types.ts';
import { parseJsonBody, queryObject, validate } from '../validation.ts';

const DEFAULT_BATCH = 100;

/** A body that may be left out: none means `{}`. */
const optionalJsonBody = (body: Uint8Array | undefined): unknown => (body === undefined || body.byteLength === 0 ? {} : parseJsonBody(body));

/** `POST /api/consumers/{group}`: creates the group (201), or finds it with the same settings (200). */
export const createGroup = async (request: ApiRequest, services: ApiServices): Promise<ApiResponse> => {
  const { path, body } = validate({ path: [GroupParams, request.params], body: [CreateGroupBody, optionalJsonBody(request.body)] });
  const { created, status } = await services.groups.create(path.group, body);
  return { status: created ? 201 : 200, headers: created ? { location: `/api/consumers/${encodeURIComponent(path.group)}` } : {}, body: status };
};

export const listGroups = async (_request: ApiRequest, services: ApiServices): Promise<ApiResponse> => ({
  status: 200,
  body: { groups: await services.groups.list() },
});

export const getGroup = async (request: ApiRequest, services: ApiServices): Promise<ApiResponse> => {
  const { path } = validate({ path: [GroupParams, request.params] });
  return { status: 200, body: await services.groups.status(path.group) };
};

/** `GET /api/consumers/{group}/next?member=&max=&wait=`: a batch leased to the member (empty when none came within `wait`). */
export const nextBatch = async (request: ApiRequest, services: ApiServices): Promise<ApiResponse> => {
  const { path, query } = validate({ path: [GroupParams, request.params], query: [NextQuery, queryObject(request.query)] });
  const batch = await services.groups.next(path.group, {
    member: query.member ?? 'anonymous',
    max: query.max ?? DEFAULT_BATCH,
    waitMs: query.wait ?? 0,
    signal: request.signal,
  });
  return { status: 200, headers: { 'cache-control': 'no-store' }, body: batch };
};

export const ackBatch = async (request: ApiRequest, services: ApiServices): Promise<ApiResponse> => {
  const { path, body } = validate({ path: [GroupParams, request.params], body: [AckBody, parseJsonBody(request.body)] });
  return { status: 200, body: await services.groups.ack(path.group, body.batchId, body.eventIds) };
};

export const nackBatch = async (request: ApiRequest, services: ApiServices): Promise<ApiResponse> => {
  const { path, body } = validate({ path: [GroupParams, request.params], body: [NackBody, parseJsonBody(request.body)] });
  return { status: 200, body: await services.groups.nack(path.group, body.batchId, body) };
};

export const listParked = async (request: ApiRequest, services: ApiServices): Promise<ApiResponse> => {
  const { path } = validate({ path: [GroupParams, request.params] });
  return { status: 200, body: { group: path.group, parked: await services.groups.parked(path.group) } };
};

export const replayParked = async (request: ApiRequest, services: ApiServices): Promise<ApiResponse> => {
  const { path, body } = validate({ path: [GroupParams, request.params], body: [ReplayBody, optionalJsonBody(request.body)] });
  return { status: 200, body: await services.groups.replayParked(path.group, body.eventIds) };
};
