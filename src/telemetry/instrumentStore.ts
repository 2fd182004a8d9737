import { SpanKind, type Attributes, type Tracer } from '@opentelemetry/api';
import type { Logger } from '../core/index.ts';
import { ConcurrencyError, DuplicateEventIdError, EventLogError, StoreUnavailableError, streamIdOf, type EventStore } from '../core/index.ts';
import { correlationOf, recordFailure } from './correlation.ts';
import { ATTRIBUTES, type AppendInstruments } from './instruments.ts';

export interface StoreTelemetry {
  tracer: Tracer;
  append: AppendInstruments;
  region: string;
  logger: Logger;
  now?: () => number;
}

const outcomeOf = (error: unknown): 'conflict' | 'unavailable' | 'rejected' | 'error' =>
  error instanceof ConcurrencyError || error instanceof DuplicateEventIdError
    ? 'conflict'
    : error instanceof StoreUnavailableError
      ? 'unavailable'
      : error instanceof EventLogError
        ? 'rejected'
        : 'error';

/**
 * The same store with a span and metrics around each call. Telemetry sits here, at the port, so the
 * kernel stays free of SDKs and every adapter is measured alike. Members it does not know (readAll,
 * a store's request totals) pass through untouched.
 */
export const instrumentEventStore = <S extends EventStore>(store: S, telemetry: StoreTelemetry): S => {
  const now = telemetry.now ?? (() => performance.now());
  const base: Attributes = { [ATTRIBUTES.store]: store.kind, [ATTRIBUTES.region]: telemetry.region };

  const append: EventStore['append'] = (request) => {
    const streamId = streamIdOf(request.stream);
    const correlation = correlationOf(request.events[0]?.metadata);
    const metricAttributes = { ...base, [ATTRIBUTES.aggregateType]: request.stream.aggregateType };
    return telemetry.tracer.startActiveSpan(
      'eventlog.append',
      {
        kind: SpanKind.INTERNAL,
        attributes: {
          ...metricAttributes,
          [ATTRIBUTES.streamId]: streamId,
          [ATTRIBUTES.eventCount]: request.events.length,
          [ATTRIBUTES.expectedVersion]: String(request.expectedVersion),
          ...(correlation.correlationId === undefined ? {} : { [ATTRIBUTES.correlationId]: correlation.correlationId }),
          ...(correlation.causationId === undefined ? {} : { [ATTRIBUTES.causationId]: correlation.causationId }),
        },
      },
      async (span) => {
        const started = now();
        try {
          const result = await store.append(request);
          telemetry.append.duration.record(now() - started, { ...metricAttributes, [ATTRIBUTES.outcome]: 'ok' });
          telemetry.append.eventsAppended.add(request.events.length, metricAttributes);
          span.setAttribute(ATTRIBUTES.version, result.version);
          return result;
        } catch (error) {
          const outcome = outcomeOf(error);
          telemetry.append.duration.record(now() - started, { ...metricAttributes, [ATTRIBUTES.outcome]: outcome });
          if (outcome === 'conflict') telemetry.append.conflicts.add(1, metricAttributes);
          span.setAttribute(ATTRIBUTES.outcome, outcome);
          if (outcome === 'error' || outcome === 'unavailable') {
            recordFailure(span, error);
            const log = outcome === 'error' ? telemetry.logger.error : telemetry.logger.warn;
            log('append failed', { streamId, events: request.events.length, outcome, error: (error as Error).message, ...correlation });
          }
          throw error;
        } finally {
          span.end();
        }
      },
    );
  };

  /** A span for a read; the store's own errors mark it failed. */
  const traced = <A extends unknown[], R>(name: string, call: (...args: A) => Promise<R>, attributes: (...args: A) => Attributes) =>
    (...args: A): Promise<R> =>
      telemetry.tracer.startActiveSpan(name, { kind: SpanKind.INTERNAL, attributes: { ...base, ...attributes(...args) } }, async (span) => {
        try {
          return await call(...args);
        } catch (error) {
          recordFailure(span, error);
          throw error;
        } finally {
          span.end();
        }
      });

  const wrapped: Partial<EventStore> = {
    append,
    readStream: traced('eventlog.read_stream', store.readStream.bind(store), (stream) => ({ [ATTRIBUTES.streamId]: streamIdOf(stream) })),
    getStreamInfo: traced('eventlog.get_stream', store.getStreamInfo.bind(store), (stream) => ({ [ATTRIBUTES.streamId]: streamIdOf(stream) })),
  };

  return new Proxy(store, {
    get(target, property) {
      if (typeof property === 'string' && property in wrapped) return wrapped[property as keyof EventStore];
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
};
