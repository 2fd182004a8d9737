import { createHash } from 'node:crypto';
import { z } from 'zod';
import {
  parseOrderBy,
  parseWhere,
  ValidationError,
  type CheckpointStore,
  type ProjectionDefinition,
  type ViewDefinition,
  type ViewFields,
  type ViewListPage,
  type ViewListRequest,
  type ViewQueryService,
  type ViewQueryStore,
} from '../../core/index.ts';
import { UnknownViewError } from '../errors.ts';
import { storedViewName } from '../projection/viewNames.ts';

export interface ViewQueriesOptions {
  projections: readonly ProjectionDefinition[];
  checkpoints: CheckpointStore;
  store: ViewQueryStore;
  region: string;
}

const TOKEN_PREFIX = 'q1.';
const Token = z.tuple([z.string(), z.number().int(), z.string()]);

/** Names a query, so a continuation token is refused under another one. */
const fingerprintOf = (view: string, request: ViewListRequest): string =>
  createHash('sha256').update(JSON.stringify([view, request.where ?? '', request.orderBy ?? ''])).digest('base64url').slice(0, 16);

const badToken = (message: string): ValidationError => new ValidationError([{ path: 'query.continuationToken', message }]);

/** Every declared field of every view, as the stores index them (one type per field name across views). */
export const declaredFields = (projections: readonly ProjectionDefinition[]): ViewFields => {
  const fields: Record<string, ViewFields[string]> = {};
  for (const view of projections.flatMap((p) => p.views))
    for (const [name, type] of Object.entries(view.fields ?? {})) {
      if (fields[name] !== undefined && fields[name] !== type)
        throw new Error(`view field ${name} is declared as ${fields[name]} and as ${type}: a field name has one type across views (it names one index)`);
      fields[name] = type;
    }
  return fields;
};

/**
 * `GET /api/views/{view}`: the documents of the generation this region serves, filtered and sorted on
 * the fields the view declares. The continuation token names the query and the generation it pages,
 * so a token is refused under another query, and after a rebuild switched generations.
 */
export class ViewQueries implements ViewQueryService {
  private readonly options: ViewQueriesOptions;
  private readonly byView = new Map<string, { projection: ProjectionDefinition; view: ViewDefinition }>();

  constructor(options: ViewQueriesOptions) {
    this.options = options;
    for (const projection of options.projections) for (const view of projection.views) this.byView.set(view.name, { projection, view });
  }

  async list(viewName: string, request: ViewListRequest): Promise<ViewListPage> {
    const found = this.byView.get(viewName);
    if (found === undefined) throw new UnknownViewError(viewName);
    const fields = found.view.fields ?? {};
    const where = parseWhere(request.where, fields);
    const orderBy = parseOrderBy(request.orderBy, fields);
    const fingerprint = fingerprintOf(viewName, request);
    const state = (await this.options.checkpoints.get(found.projection.name))?.state;
    const generation = state?.generation ?? 1;
    let continuation: string | undefined;
    if (request.continuationToken !== undefined) {
      const token = this.decode(request.continuationToken);
      if (token[0] !== fingerprint) throw badToken('belongs to another query (view, where or orderBy differ): give the query it was made for');
      if (token[1] !== generation) throw badToken(`pages generation ${token[1]} of the view, which a rebuild has replaced: start the query again`);
      continuation = token[2];
    }
    const page = await this.options.store.queryView({ view: storedViewName(viewName, generation), where, orderBy, limit: request.limit, continuation });
    return {
      view: viewName,
      region: this.options.region,
      documents: page.documents,
      ...(page.continuation === undefined
        ? {}
        : { continuationToken: TOKEN_PREFIX + Buffer.from(JSON.stringify([fingerprint, generation, page.continuation])).toString('base64url') }),
    };
  }

  private decode(text: string): z.infer<typeof Token> {
    if (!text.startsWith(TOKEN_PREFIX)) throw badToken('is not a continuation token of a view query');
    try {
      const parsed = Token.safeParse(JSON.parse(Buffer.from(text.slice(TOKEN_PREFIX.length), 'base64url').toString('utf8')));
      if (parsed.success) return parsed.data;
    } catch {
      // falls through to the refusal
    }
    throw badToken('is not a continuation token of a view query');
  }
}
