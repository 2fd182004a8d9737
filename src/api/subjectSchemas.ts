import { z } from 'zod';
import { ErasureOutcome, SubjectId } from '../core/index.ts';

// Request and response shapes of the data subject routes.

export const SubjectParams = z.object({ subjectId: SubjectId });

export const EraseSubjectResponse = ErasureOutcome;
