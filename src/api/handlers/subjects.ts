import { UnknownSubjectError } from '../../core/index.ts';
import { SubjectParams } from '../subjectSchemas.ts';
import type { ApiServices } from '../services.ts';
import type { ApiRequest, ApiResponse } from '../types.ts';
import { validate } from '../validation.ts';

/**
 * `POST /api/subjects/{subjectId}/erase`: deletes the subject's key, so its personal fields read as
 * erased everywhere, and records the erasure in the log. An app without personal data knows no subject.
 */
export const eraseSubject = async (request: ApiRequest, services: ApiServices): Promise<ApiResponse> => {
  const { path } = validate({ path: [SubjectParams, request.params] });
  if (services.eraseSubject === undefined) throw new UnknownSubjectError(path.subjectId);
  return { status: 200, body: await services.eraseSubject(path.subjectId) };
};
