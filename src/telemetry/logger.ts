import type { Logger } from '../core/index.ts';
import { traceLogFields } from './correlation.ts';

/**
 * Structured logs: one JSON object a line, which Azure Monitor and `jq` both read. Lines written inside
 * a span carry its traceId and spanId (when telemetry is on); callers add correlationId and causationId
 * from event metadata (telemetry/correlation.ts).
 */
export const jsonLogger = (base: Record<string, unknown> = {}, write: (line: string) => void = (l) => process.stderr.write(l + '\n')): Logger => {
  const log = (level: string) => (message: string, fields: Record<string, unknown> = {}) =>
    write(JSON.stringify({ time: new Date().toISOString(), level, message, ...base, ...traceLogFields(), ...fields }));
  return { info: log('info'), warn: log('warn'), error: log('error') };
};
