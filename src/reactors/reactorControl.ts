import type { ProjectionControl } from '../api/services.ts';
import type { ProjectionEntry, ProjectionRuntime } from '../projections/runtime.ts';
import { ReactorNotRebuildableError, type ReactorRunner } from './reactorRunner.ts';

/** The reactors of a host, by name: listed and controlled beside the projections. */
export class ReactorRegistry {
  private readonly byName: Map<string, ReactorRunner>;

  constructor(runners: readonly ReactorRunner[]) {
    this.byName = new Map(runners.map((runner) => [runner.name, runner]));
  }

  get runners(): ReactorRunner[] {
    return [...this.byName.values()];
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  get(name: string): ReactorRunner | undefined {
    return this.byName.get(name);
  }

  entries(): Promise<ProjectionEntry[]> {
    return Promise.all(this.runners.map((runner) => runner.entry()));
  }
}

/**
 * Projection control as the projections routes see it, with the reactors added: listed by `entries`,
 * resumed by `resume`, refused by `requestRebuild`. Views and names are the runtime's own.
 */
export const withReactors = (runtime: ProjectionRuntime, reactors: ReactorRegistry): ProjectionControl => ({
  get names() {
    return runtime.names;
  },
  entries: async () => [...(await runtime.entries()), ...(await reactors.entries())],
  entry: (name) => reactors.get(name)?.entry() ?? runtime.entry(name),
  resume: (name, options) => reactors.get(name)?.resume(options) ?? runtime.resume(name, options),
  requestRebuild: (name) => (reactors.has(name) ? Promise.reject(new ReactorNotRebuildableError(name)) : runtime.requestRebuild(name)),
  readView: (view, key, options) => runtime.readView(view, key, options),
});
