// Public entry of the package subpath `./emmett`: the event log as an Emmett EventStore.
export {
  getEventLogEventStore,
  type ClientEventStoreOptions,
  type EventLogAppendResult,
  type EventLogFeedOptions,
  type EventLogFeedReadEventMetadata,
  type EventLogEventStore,
  type EventLogEventStoreOptions,
  type EventLogReadEventMetadata,
  type HttpEventStoreOptions,
  type InProcessEventStoreOptions,
} from './eventStore.ts';
export { streamNameMapping, type StreamNameMapping } from './streamNames.ts';
