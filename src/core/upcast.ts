import { EventType, type EventEnvelope, type JsonObject } from './envelope.ts';

// The log is never rewritten: an event keeps the shape and schemaVersion it was written with, and
// readers that hold domain code (aggregate loading, projections) lift old shapes to the current one
// as they read. Each step raises schemaVersion by one, so a chain always ends.

/** Lifts one event type from `fromVersion` to `fromVersion + 1`. */
export interface Upcaster {
  type: string;
  fromVersion: number;
  /** The event's type from the next version on, when the step also renames it. */
  toType?: string;
  /** The data at `fromVersion + 1`; `event` is the event as it stands before this step. Must not mutate its input. */
  upcast: (data: JsonObject, event: EventEnvelope) => JsonObject;
}

/** The registered upcasters of an application, as readers and writers use them. */
export interface Upcasters {
  /** Brings an event to the current shape of its type; events no upcaster knows pass through unchanged. */
  upcast<E extends EventEnvelope>(event: E): E;
  /** The schemaVersion new events of this type are written with: one past the last step that produces it (1 with none). */
  currentVersion(type: string): number;
}

const keyOf = (type: string, version: number): string => `${type}@${version}`;

const problemsOf = (upcaster: Upcaster): string[] => [
  ...(EventType.safeParse(upcaster.type).success ? [] : [`type "${upcaster.type}" is not a valid event type`]),
  ...(upcaster.toType === undefined || EventType.safeParse(upcaster.toType).success ? [] : [`toType "${upcaster.toType}" is not a valid event type`]),
  ...(Number.isSafeInteger(upcaster.fromVersion) && upcaster.fromVersion >= 1 ? [] : [`fromVersion of ${upcaster.type} must be an integer >= 1`]),
];

/** Registers upcasters once (checked at start: one step per type and version). */
export const createUpcasters = (upcasters: readonly Upcaster[]): Upcasters => {
  const steps = new Map<string, Upcaster>();
  const current = new Map<string, number>();
  const problems: string[] = [];
  for (const upcaster of upcasters) {
    problems.push(...problemsOf(upcaster));
    const key = keyOf(upcaster.type, upcaster.fromVersion);
    if (steps.has(key)) problems.push(`two upcasters read ${upcaster.type} version ${upcaster.fromVersion}`);
    steps.set(key, upcaster);
    const produced = upcaster.toType ?? upcaster.type;
    current.set(produced, Math.max(current.get(produced) ?? 1, upcaster.fromVersion + 1));
  }
  if (problems.length > 0) throw new Error(`upcasters: ${problems.join('; ')}`);

  return {
    upcast: <E extends EventEnvelope>(event: E): E => {
      let lifted = event;
      // Every step raises schemaVersion, so there are at most as many steps as upcasters.
      for (let step = steps.get(keyOf(lifted.type, lifted.schemaVersion)); step !== undefined; step = steps.get(keyOf(lifted.type, lifted.schemaVersion)))
        lifted = { ...lifted, type: step.toType ?? lifted.type, schemaVersion: lifted.schemaVersion + 1, data: step.upcast(lifted.data, lifted) };
      return lifted;
    },
    currentVersion: (type) => current.get(type) ?? 1,
  };
};

/** No upcasters: every event is read as written and written at version 1. */
export const noUpcasters: Upcasters = createUpcasters([]);
