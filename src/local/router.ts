import type { HttpMethod, Route } from '../api/types.ts';

interface CompiledRoute<S> {
  route: Route<S>;
  pattern: RegExp;
  names: string[];
}

export type RouteMatch<S> =
  | { kind: 'found'; route: Route<S>; params: Record<string, string> }
  | { kind: 'method-not-allowed'; allow: HttpMethod[] }
  | { kind: 'not-found' }
  | { kind: 'bad-path' };

/** Matches paths below /api against Functions-style route templates, as the Functions host does. */
export const compileRoutes = <S>(routes: readonly Route<S>[]) => {
  const compiled: CompiledRoute<S>[] = routes.map((route) => {
    const names: string[] = [];
    // Each segment brings its own leading slash, so a trailing catch-all can make its slash optional.
    const source = route.route
      .split('/')
      .map((segment, index) => {
        const slash = index === 0 ? '' : '/';
        // `{*name}` (last segment) takes the rest of the path, slashes included, as in Azure Functions:
        // absent when the path stops before it, '' after a trailing slash.
        const catchAll = /^\{\*([A-Za-z][A-Za-z0-9]*)\}$/.exec(segment);
        if (catchAll) {
          names.push(catchAll[1]!);
          return index === 0 ? '(.*)' : '(?:/(.*))?';
        }
        // `{name?}` may be absent, as in Azure Functions; `{name:maxlength(0)?}` can only be absent, which is
        // how a Functions route answers at the prefix itself (`/api`).
        const optional = /^\{([A-Za-z][A-Za-z0-9]*)(?::maxlength\(([0-9]+)\))?\?\}$/.exec(segment);
        if (optional) {
          names.push(optional[1]!);
          const value = optional[2] === undefined ? '[^/]+' : optional[2] === '0' ? '(?!)' : `[^/]{1,${optional[2]}}`;
          return index === 0 ? `(${value})?` : `(?:/(${value}))?`;
        }
        const param = /^\{([A-Za-z][A-Za-z0-9]*)\}$/.exec(segment);
        if (!param) return slash + segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        names.push(param[1]!);
        return `${slash}([^/]+)`;
      })
      .join('');
    return { route, pattern: new RegExp(`^${source}$`), names };
  });

  const matchExactly = (method: string, path: string): RouteMatch<S> => {
    const allow: HttpMethod[] = [];
    for (const { route, pattern, names } of compiled) {
      const match = pattern.exec(path);
      if (!match) continue;
      if (route.method !== method) {
        allow.push(route.method);
        continue;
      }
      try {
        const params = names.flatMap((name, i) => (match[i + 1] === undefined ? [] : [[name, decodeURIComponent(match[i + 1]!)]]));
        return { kind: 'found', route, params: Object.fromEntries(params) };
      } catch {
        return { kind: 'bad-path' };
      }
    }
    return allow.length > 0 ? { kind: 'method-not-allowed', allow } : { kind: 'not-found' };
  };

  // A trailing slash names the same resource (`/api/health/`), as in the Functions host; an exact
  // match wins first so a catch-all route still sees its trailing slash.
  return (method: string, path: string): RouteMatch<S> => {
    const exact = matchExactly(method, path);
    return exact.kind === 'not-found' && path.endsWith('/') && path.length > 1 ? matchExactly(method, path.slice(0, -1)) : exact;
  };
};
