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
 * The projection runtime as the projections routes see it, with the reactors added: listed by
 * `entries`, resumed by `resume`, refused by `requestRebuild`. Everything else is the runtime's own.
 */
export const withReactors = (runtime: ProjectionRuntime, reactors: ReactorRegistry): ProjectionRuntime =>
  new Proxy(runtime, {
    get(target, property) {
      switch (property) {
        case 'entries':
          return async () => [...(await target.entries()), ...(await reactors.entries())];
        case 'entry':
          return (name: string) => reactors.get(name)?.entry() ?? target.entry(name);
        case 'resume':
          return (name: string, options: { skip: boolean }) => reactors.get(name)?.resume(options) ?? target.resume(name, options);
        case 'requestRebuild':
          return (name: string) => (reactors.has(name) ? Promise.reject(new ReactorNotRebuildableError(name)) : target.requestRebuild(name));
        default: {
          const value: unknown = Reflect.get(target, property, target);
          return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
        }
      }
    },
  });
