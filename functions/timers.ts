import { app } from '@azure/functions';
import { sweepAbandonedReservations } from '../src/reactors/reservationSweeper.ts';
import { config, getApp } from './appContext.ts';
import { contextLogger } from './contextLogger.ts';

// The compensating process for email reservations whose registration never completed, every minute.
// It is idempotent and safe to overlap with itself and with registrations (see src/domain/registration.ts).

export const sweepReservations = async (_timer: unknown, context: Parameters<typeof contextLogger>[0]): Promise<void> => {
  const { services, projections, config } = await getApp();
  const report = await sweepAbandonedReservations({
    store: services.eventStore,
    projections,
    region: config.REGION,
    reservationTimeoutMs: config.EMAIL_RESERVATION_TIMEOUT_SECONDS * 1000,
  });
  const log = contextLogger(context);
  if (report.failed > 0) log.warn('email reservation sweep left some for the next run', { ...report });
  else if (report.confirmed + report.released > 0) log.info('email reservations swept', { ...report });
};

if (config.REACTORS_ENABLED) app.timer('sweep-email-reservations', { schedule: '0 * * * * *', handler: sweepReservations });
