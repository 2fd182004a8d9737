import { z } from 'zod';
import { AggregateId } from './envelope.ts';

// Which fields of an aggregate's events are personal data, declared beside the event schemas. The log
// stores those fields sealed under a key of their data subject (fieldCipher.ts); erasing the subject
// deletes the key, and every reader then sees ERASED in their place (personalDataCodec.ts).

/** What an erased personal field reads as, in every event and in every view rebuilt from them. */
export const ERASED = '(erased)';

/** A data subject: the person whose key seals a field. Same characters as an aggregate id. */
export const SubjectId = AggregateId;

/** Where an event names its data subject: the stream's aggregate id, or a string field of its data. */
export type SubjectSelector = { from: 'aggregateId' } | { from: 'data'; field: string };

/** The personal fields of one event type, as dot paths into its `data`, and whose they are. */
export interface PersonalFields {
  subject: SubjectSelector;
  fields: readonly string[];
}

/** An aggregate's declaration: event type -> its personal fields. Types left out carry none. */
export type PersonalDataDeclaration = Readonly<Record<string, PersonalFields>>;

const FieldPath = z.string().regex(/^[A-Za-z_$][A-Za-z0-9_$]*(\.[A-Za-z_$][A-Za-z0-9_$]*)*$/, 'must be a dot path of field names');

/** Refuses a declaration the codec could not honour, at start (createApp). */
export const checkPersonalData = (aggregateType: string, declaration: PersonalDataDeclaration): void => {
  for (const [eventType, personal] of Object.entries(declaration)) {
    const where = `personal data of ${aggregateType} ${eventType}`;
    if (personal.fields.length === 0) throw new Error(`${where} declares no fields`);
    const bad = personal.fields.filter((path) => !FieldPath.safeParse(path).success || path.split('.').includes('__proto__'));
    if (bad.length > 0) throw new Error(`${where}: ${bad.join(', ')} must be dot paths of field names`);
    if (personal.subject.from === 'data' && personal.fields.includes(personal.subject.field))
      throw new Error(`${where}: the subject field ${personal.subject.field} cannot itself be sealed`);
  }
};

/** The subject an event's personal fields belong to; a missing or malformed one is bad input, named by path. */
export const subjectOf = (selector: SubjectSelector, event: { aggregateId: string; data: Record<string, unknown> }): z.ZodSafeParseResult<string> =>
  SubjectId.safeParse(selector.from === 'aggregateId' ? event.aggregateId : Object.hasOwn(event.data, selector.field) ? event.data[selector.field] : undefined);

type JsonRecord = Record<string, unknown>;
const isRecord = (value: unknown): value is JsonRecord => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The value at a dot path (own keys only), or undefined. */
export const valueAt = (data: JsonRecord, path: string): unknown => {
  let at: unknown = data;
  for (const key of path.split('.')) {
    if (!isRecord(at) || !Object.hasOwn(at, key)) return undefined;
    at = at[key];
  }
  return at;
};

/**
 * A copy of `data` with the value at each path replaced (copying only the objects on the way, so the
 * caller's event is never changed); paths whose value is absent are left absent.
 */
export const replaceAt = (data: JsonRecord, replacements: ReadonlyMap<string, unknown>): JsonRecord => {
  const copy: JsonRecord = { ...data };
  for (const [path, value] of replacements) {
    const keys = path.split('.');
    let at: JsonRecord | undefined = copy;
    for (const key of keys.slice(0, -1)) {
      const next: unknown = Object.hasOwn(at, key) ? at[key] : undefined;
      if (!isRecord(next)) {
        at = undefined;
        break;
      }
      at = at[key] = { ...next };
    }
    const last = keys.at(-1)!;
    if (at !== undefined && Object.hasOwn(at, last)) Object.defineProperty(at, last, { value, enumerable: true, writable: true, configurable: true });
  }
  return copy;
};
