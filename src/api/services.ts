import type { EventStore } from '../core/index.ts';
import type { ProjectionRuntime } from '../projections/runtime.ts';
import type { DomainSettings } from '../domain/settings.ts';
import type { ReactorRegistry } from '../reactors/reactorControl.ts';

/** What the views and projections routes use of the runtime; reactors are listed and resumed through it too. */
export type ProjectionControl = Pick<ProjectionRuntime, 'names' | 'entries' | 'entry' | 'resume' | 'requestRebuild' | 'readView'>;

/** What the stream and health handlers need; hosts build it once per process. */
export interface ApiServices {
  eventStore: EventStore;
  region: string;
  /** Package version, reported by health. */
  version: string;
  /** Views and projection control (views and projections routes). */
  projections: ProjectionControl;
  /** Settings of the reference domain's command endpoints (defaults when absent). */
  domain?: DomainSettings;
  /** Side-effect consumers, paused and resumed through the projections routes. */
  reactors?: ReactorRegistry;
}
