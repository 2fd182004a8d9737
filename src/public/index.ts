// `eventlog`: what a team declares its domain with. Everything exported here (and from `eventlog/app`,
// `eventlog/testing`, `eventlog/functions`, `eventlog/client`, `eventlog/emmett`) is the public API and
// follows semver (CHANGELOG.md); every other module of the package is private and may change in any release.

// The zod the package validates with: schemas made with it carry their OpenAPI metadata into the
// app's document, which a second copy of zod in the team's project would not.
export { z } from 'zod';

// Deciders and their events.
export type { Decider, DomainEvent } from '../core/decider.ts';
export { decodeEvent, CorruptEventError, type EventOf, type EventSchemas } from '../core/eventCodec.ts';
export { createUpcasters, noUpcasters, type Upcaster, type Upcasters } from '../core/upcast.ts';
export type { SnapshotPolicy } from '../core/snapshot.ts';

// Aggregates, reservations, projections and reactors, declared as data.
export {
  defineAggregate,
  CommandAnswer,
  viewLocation,
  type Aggregate,
  type AggregateOptions,
  type CommandInput,
  type CommandRouteFactory,
  type CommandRouteSpec,
  type RefusalStatus,
} from '../app/aggregate.ts';
export {
  defineReservation,
  ValueTakenError,
  ReservationLostError,
  type OwnerOutcome,
  type Reservation,
  type ReservationContext,
  type ReservationOptions,
  type SettleContext,
  type SettleOutcome,
} from '../app/reservation.ts';
export { defineProjection, defineView, ProjectionName, ViewName, ViewKey, type ProjectionDefinition, type ViewDefinition } from '../core/projection.ts';
export { defineReactor, isTransientReactorError, type CircuitSettings, type ReactorOptions } from '../reactors/defineReactor.ts';
export type { ReactorContext, ReactorDefinition, ReactorHandler } from '../core/reactor.ts';
export type { AggregateRegistration, AppModule, RawAppendPolicy, TimerContext, TimerDefinition, TimerReport } from '../app/module.ts';

// Personal data: sealed per data subject in the log, erased with the subject's key (docs/lifecycle.md).
export { ERASED, type PersonalDataDeclaration, type PersonalFields, type SubjectSelector } from '../core/personalData.ts';
export { DATA_SUBJECT, DataSubjectEvents, SubjectErasedError, type BeforeErasure } from '../core/erasure.ts';

// Commands outside a command route (a reactor's, a timer's, a route of your own).
export { handleCommand, loadAggregate, writtenBy, COMMAND_RETRY, type CommandResult, type HandleCommandOptions, type LoadedAggregate } from '../core/commandHandler.ts';
export { encodeConsistencyToken } from '../core/consistencyToken.ts';

// The log's shapes.
export {
  AggregateId,
  AggregateType,
  EventType,
  streamIdOf,
  parseStreamId,
  type EventEnvelope,
  type EventMetadata,
  type JsonObject,
  type NewEvent,
  type StreamRef,
} from '../core/envelope.ts';
export type { EventStore } from '../core/ports.ts';
export type { ConsumerControl, ViewRead } from '../core/consumerControl.ts';
export { describeError, silentLogger, type Logger } from '../core/logger.ts';
export { retry, type RetryPolicy } from '../core/retry.ts';

// Refusals: each error is the problem+json it answers with.
export {
  ProblemError,
  EventLogError,
  ValidationError,
  NotFoundError,
  ConflictError,
  ConcurrencyError,
  StoreUnavailableError,
  type FieldError,
} from '../core/errors.ts';

// Routes of your own, beside the command routes: framework-free handlers with their OpenAPI entry.
export type { ApiRequest, ApiResponse, AuthLevel, HttpMethod, OperationDoc, Route } from '../api/types.ts';
export type { ApiServices } from '../api/services.ts';
export { parseJsonBody, validate } from '../api/validation.ts';
export { json, jsonBody, problemResponse, badRequest, notFound, unavailable } from '../api/openapi.ts';

// Side effects: mailers and the circuit breaker.
export { MailerUnavailableError, MailRejectedError, type Mail, type Mailer } from '../reactors/mailer.ts';
export { OutboxMailer, type OutboxMailerOptions } from '../reactors/outboxMailer.ts';
export { CircuitBreaker, CircuitOpenError, type CircuitBreakerOptions, type CircuitStatus } from '../reactors/circuitBreaker.ts';

// Multi-region: how events a forced failover lost are settled.
export { rejectInStream, reappendPolicy, REJECTED_EVENT_TYPE, type ReconciliationPolicy, type Resolution } from '../reconciliation/policies.ts';

// Joining it all.
export { createApp, type AppDefinition, type AppOptions, type AppSource } from '../app/createApp.ts';
