import { deepCopy, type JsonObject } from './json.ts';
import type { ContainerState } from './container.ts';

/** A database resource as the service returns it. */
export interface DatabaseResource extends JsonObject {
  id: string;
  _rid: string;
  _self: string;
}

interface DatabaseState {
  resource: DatabaseResource;
  containers: Map<string, ContainerState>;
}

/** One region's copy of the account's data: its databases and their containers. */
export class Replica {
  private readonly databases = new Map<string, DatabaseState>();

  database(id: string): DatabaseResource | undefined {
    return this.databases.get(id)?.resource;
  }

  databaseList(): DatabaseResource[] {
    return [...this.databases.values()].map((database) => database.resource);
  }

  addDatabase(resource: DatabaseResource): void {
    this.databases.set(resource.id, { resource, containers: new Map() });
  }

  removeDatabase(id: string): void {
    this.databases.delete(id);
  }

  container(databaseId: string, containerId: string): ContainerState | undefined {
    return this.databases.get(databaseId)?.containers.get(containerId);
  }

  containerList(databaseId: string): ContainerState[] {
    return [...(this.databases.get(databaseId)?.containers.values() ?? [])];
  }

  addContainer(databaseId: string, container: ContainerState): void {
    this.databases.get(databaseId)?.containers.set(container.resource.id, container);
  }

  removeContainer(databaseId: string, containerId: string): void {
    this.databases.get(databaseId)?.containers.delete(containerId);
  }

  /** An independent copy of everything: how a region is re-seeded from another. */
  clone(): Replica {
    const copy = new Replica();
    for (const { resource, containers } of this.databases.values()) {
      copy.addDatabase(deepCopy(resource));
      for (const container of containers.values()) copy.addContainer(resource.id, container.clone());
    }
    return copy;
  }
}
