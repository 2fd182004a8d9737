import { describeError, type ConsumerControl, type EventStore } from '../public/index.ts';
import { pendingReservationsKey, RESERVATION_BUCKETS, reservationHour, type PendingReservationsView } from './projections.ts';
import { resolveReservation, type ReservationOutcome } from './registration.ts';

// The compensating process for email reservations whose registration never completed. It finds
// candidates in the `pendingEmailReservations` view (one document per hour of reservation) and
// settles each through the log (`resolveReservation`), which is idempotent and safe to race: hosts
// run it as a timer (an interval locally, a timer function in Azure), and a registration meeting a
// stale reservation settles it on the spot (so a reservation this sweep never sees cannot block an address).

export interface SweepOptions {
  store: EventStore;
  consumers: Pick<ConsumerControl, 'readView'>;
  region: string;
  reservationTimeoutMs: number;
  /** How far back the sweep looks; older reservations are settled when their address is next registered. */
  lookbackHours?: number;
  now?: () => Date;
}

export interface SweepReport {
  checked: number;
  confirmed: number;
  released: number;
  failed: number;
  errors: string[];
}

const HOUR_MS = 3_600_000;
export const DEFAULT_LOOKBACK_HOURS = 24;

/** The hour keys from `from` to `to`, oldest first. */
const hoursBetween = (from: number, to: number): string[] => {
  const keys: string[] = [];
  for (let at = Math.floor(from / HOUR_MS) * HOUR_MS; at <= to; at += HOUR_MS) keys.push(reservationHour(new Date(at).toISOString()));
  return keys;
};

export const sweepAbandonedReservations = async (options: SweepOptions): Promise<SweepReport> => {
  const now = options.now?.() ?? new Date();
  const cutoff = now.getTime() - options.reservationTimeoutMs;
  const report: SweepReport = { checked: 0, confirmed: 0, released: 0, failed: 0, errors: [] };
  const context = { store: options.store, region: options.region, reservationTimeoutMs: options.reservationTimeoutMs, now: () => now };
  const keys = hoursBetween(cutoff - (options.lookbackHours ?? DEFAULT_LOOKBACK_HOURS) * HOUR_MS, cutoff).flatMap((hour) =>
    RESERVATION_BUCKETS.map((bucket) => pendingReservationsKey(hour, bucket)),
  );
  for (const key of keys) {
    const read = await options.consumers.readView('pendingEmailReservations', key, { waitMs: 0 });
    if (read.kind !== 'found') continue;
    const { reservations } = read.document.data as PendingReservationsView;
    for (const { emailAddressId, ...reservation } of reservations) {
      if (Date.parse(reservation.reservedAt) > cutoff) continue;
      report.checked++;
      let outcome: ReservationOutcome;
      try {
        outcome = await resolveReservation(context, emailAddressId);
      } catch (error) {
        report.failed++;
        if (report.errors.length < 10) report.errors.push(`${emailAddressId}: ${describeError(error)}`);
        continue;
      }
      if (outcome === 'confirmed') report.confirmed++;
      if (outcome === 'released') report.released++;
    }
  }
  return report;
};
