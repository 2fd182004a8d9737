import { SpanKind, SpanStatusCode, type Tracer } from '@opentelemetry/api';
import type { Route } from '../api/types.ts';
import { recordFailure } from './correlation.ts';

/** Each route's handler inside a server span, the parent of the store's spans; the route table itself is unchanged. */
export const instrumentRoutes = <S>(routes: Route<S>[], tracer: Tracer): Route<S>[] =>
  routes.map((route) => {
    const template = `/api/${route.route}`;
    return {
      ...route,
      handle: (request, services) =>
        tracer.startActiveSpan(
          `${route.method} ${template}`,
          { kind: SpanKind.SERVER, attributes: { 'http.request.method': route.method, 'http.route': template, 'eventlog.route': route.name } },
          async (span) => {
            try {
              const response = await route.handle(request, services);
              span.setAttribute('http.response.status_code', response.status);
              if (response.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
              return response;
            } catch (error) {
              // dispatch turns it into a problem response; the span records what was thrown.
              recordFailure(span, error);
              throw error;
            } finally {
              span.end();
            }
          },
        ),
    };
  });
