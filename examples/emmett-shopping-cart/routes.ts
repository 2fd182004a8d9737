import { DeciderCommandHandler, EmmettError, isExpectedVersionConflictError } from '@event-driven-io/emmett';
import { z } from 'zod';
import { problem } from '../../src/api/problem.ts';
import type { ApiServices } from '../../src/api/services.ts';
import { badRequest, json, jsonBody, problemResponse, unavailable } from '../../src/api/openapi.ts';
import type { ApiRequest, ApiResponse, Route } from '../../src/api/types.ts';
import { parseJsonBody, validate } from '../../src/api/validation.ts';
import { AggregateId } from '../../src/core/index.ts';
// An application imports this from the package subpath: `import { getEventLogEventStore } from 'eventlog/emmett'`.
import { getEventLogEventStore } from '../../src/emmett/index.ts';
import { SHOPPING_CART, shoppingCartDecider, type ShoppingCartCommand } from './shoppingCart.ts';

const PricedProductItem = z.strictObject({
  productId: z.string().min(1).max(100),
  quantity: z.number().int().min(1).max(10_000),
  unitPrice: z.number().min(0).max(1_000_000),
});

/** The commands as they come over HTTP: `{type, data}`; the handler stamps `metadata.now`. */
const CommandBody = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('AddProductItemToShoppingCart'), data: z.strictObject({ productItem: PricedProductItem }) }),
  z.strictObject({ type: z.literal('RemoveProductItemFromShoppingCart'), data: z.strictObject({ productItem: PricedProductItem }) }),
  z.strictObject({ type: z.literal('ConfirmShoppingCart'), data: z.strictObject({}).default({}) }),
]);

const CartParams = z.object({ cartId: AggregateId });

const handleCommand = DeciderCommandHandler(shoppingCartDecider);

/** Emmett's errors as problems: refused by the cart's rules, conflicts left after the retries, bad input. */
const problemOf = (error: unknown): ApiResponse | undefined => {
  if (isExpectedVersionConflictError(error))
    return problem(409, 'concurrency-conflict', 'Expected version does not hold', 'the cart kept changing while the command was decided; retry it');
  if (!EmmettError.isInstanceOf(error)) return undefined;
  if (error.errorCode === EmmettError.Codes.IllegalStateError) return problem(409, 'command-rejected', 'Command rejected', error.message);
  if (error.errorCode === EmmettError.Codes.ValidationError) return problem(400, 'validation-error', 'Invalid request', error.message, { errors: [{ path: '', message: error.message }] });
  return undefined;
};

/** `POST /api/shopping-carts/{cartId}/commands`: runs the Emmett command handler on the log, in this function. */
export const handleShoppingCartCommand = async (request: ApiRequest, services: ApiServices): Promise<ApiResponse> => {
  const { path, body } = validate({ path: [CartParams, request.params], body: [CommandBody, parseJsonBody(request.body)] });
  const eventStore = getEventLogEventStore({ store: services.eventStore, region: services.region, aggregateType: SHOPPING_CART });
  const command = { ...body, metadata: { now: new Date() } } as ShoppingCartCommand;
  try {
    const result = await handleCommand(eventStore, path.cartId, command, { retry: { onVersionConflict: 10 } });
    return {
      status: 200,
      body: {
        cartId: path.cartId,
        version: Number(result.nextExpectedStreamVersion),
        events: result.newEvents.map((event) => event.type),
        // Pass it as `atLeast` to GET /api/views/shopping_cart_summary/{cartId} to read this command's effect.
        consistencyToken: result.consistencyToken,
      },
    };
  } catch (error) {
    const response = problemOf(error);
    if (response === undefined) throw error;
    return response;
  }
};

/** The example's own route table, served next to the product's by the same hosts. */
export const shoppingCartRoutes: Route<ApiServices>[] = [
  {
    name: 'handleShoppingCartCommand',
    method: 'POST',
    route: 'shopping-carts/{cartId}/commands',
    authLevel: 'function',
    handle: handleShoppingCartCommand,
    doc: {
      summary: 'Run a shopping cart command (Emmett example)',
      tags: ['shopping-carts'],
      request: { params: z.object({ cartId: AggregateId }), body: jsonBody(CommandBody) },
      responses: {
        200: json('The cart after the command.', z.looseObject({})),
        400: badRequest,
        409: problemResponse('The command does not apply to the cart as it is.'),
        503: unavailable,
      },
    },
  },
];
