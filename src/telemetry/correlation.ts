import { SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import type { EventMetadata } from '../core/index.ts';

/** The correlation and causation ids an event carries in its metadata, for logs and spans. */
export const correlationOf = (metadata: EventMetadata | undefined): { correlationId?: string; causationId?: string } => ({
  ...(typeof metadata?.correlationId === 'string' ? { correlationId: metadata.correlationId } : {}),
  ...(typeof metadata?.causationId === 'string' ? { causationId: metadata.causationId } : {}),
});

/** traceId and spanId of the active span, so a log line can be found from its trace and back. */
export const traceLogFields = (): Record<string, string> => {
  const context = trace.getActiveSpan()?.spanContext();
  return context === undefined ? {} : { traceId: context.traceId, spanId: context.spanId };
};

/** Marks a span failed with what was thrown. */
export const recordFailure = (span: Span, error: unknown): void => {
  span.recordException(error as Error);
  span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
};
