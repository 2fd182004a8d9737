import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventLogClient, type EventLogClient } from '../../src/client/index.ts';
import { getEventLogEventStore } from '../../src/emmett/index.ts';
import { tempDir } from '../../test/support/http.ts';
import { startShoppingCartHost, type ShoppingCartHost } from './host.ts';
import { evolve, initialState, SHOPPING_CART, type ShoppingCartEvent } from './shoppingCart.ts';
import { SUMMARY_VIEW, type ShoppingCartSummary } from './summaryProjection.ts';

const API_KEY = 'cart-key';
let running: ShoppingCartHost;
let client: EventLogClient;
const dataDir = tempDir('shopping-cart-');

beforeAll(async () => {
  running = await startShoppingCartHost({ EVENT_STORE: 'sqlite', DATA_DIR: dataDir, PORT: '0', API_KEY });
  client = createEventLogClient({ url: running.url, apiKey: API_KEY });
});
afterAll(async () => {
  await running.close();
  rmSync(dataDir, { recursive: true, force: true });
});

let counter = 0;
const freshCart = () => `cart-${Date.now().toString(36)}-${++counter}`;

const send = async (cartId: string, command: unknown) => {
  const response = await fetch(`${running.url}/api/shopping-carts/${cartId}/commands`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-functions-key': API_KEY },
    body: JSON.stringify(command),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};
const add = (productId: string, quantity: number, unitPrice: number) => ({ type: 'AddProductItemToShoppingCart', data: { productItem: { productId, quantity, unitPrice } } });
const remove = (productId: string, quantity: number, unitPrice: number) => ({ type: 'RemoveProductItemFromShoppingCart', data: { productItem: { productId, quantity, unitPrice } } });
const confirm = { type: 'ConfirmShoppingCart', data: {} };

describe('the shopping cart on the event log', () => {
  it('runs commands as an HTTP function and shows their effect in the summary view, read after write', async () => {
    const cartId = freshCart();
    expect(await send(cartId, add('shoes', 2, 50))).toMatchObject({ status: 200, body: { version: 1, events: ['ProductItemAddedToShoppingCart'] } });
    await send(cartId, add('socks', 3, 5));
    await send(cartId, remove('socks', 1, 5));
    const confirmed = await send(cartId, confirm);
    expect(confirmed).toMatchObject({ status: 200, body: { cartId, version: 4, events: ['ShoppingCartConfirmed'] } });

    const summary = await client.getView<ShoppingCartSummary>(SUMMARY_VIEW, cartId, { atLeast: confirmed.body.consistencyToken as string, waitMs: 10_000 });
    expect(summary?.data).toMatchObject({ cartId, status: 'Confirmed', itemCount: 4, totalAmount: 110 });

    // The same stream, read with Emmett over HTTP: what the command handler wrote is an ordinary cart stream.
    const carts = getEventLogEventStore({ url: running.url, apiKey: API_KEY, aggregateType: SHOPPING_CART });
    const { state, currentStreamVersion } = await carts.aggregateStream<ReturnType<typeof initialState>, ShoppingCartEvent>(cartId, { evolve, initialState });
    expect(currentStreamVersion).toBe(4n);
    expect(state).toEqual({ status: 'Confirmed', quantities: { 'shoes@50': 2, 'socks@5': 2 } });
  });

  it('refuses commands the cart rules forbid, and writes nothing', async () => {
    const cartId = freshCart();
    expect(await send(cartId, confirm)).toMatchObject({ status: 409, body: { type: 'command-rejected' } });
    await send(cartId, add('shoes', 1, 50));
    await send(cartId, confirm);
    expect(await send(cartId, add('hat', 1, 20))).toMatchObject({ status: 409, body: { type: 'command-rejected', detail: 'the shopping cart is already confirmed' } });
    expect((await client.getStream({ aggregateType: SHOPPING_CART, aggregateId: cartId }))?.version).toBe(2);
  });

  it('answers a malformed command or cart id with a validation problem, and writes nothing', async () => {
    const cartId = freshCart();
    const bad = await send(cartId, { type: 'AddProductItemToShoppingCart', data: { productItem: { productId: 'shoes', quantity: -1, unitPrice: 50 } } });
    expect(bad).toMatchObject({ status: 400, body: { type: 'validation-error' } });
    expect((bad.body.errors as { path: string }[])[0]?.path).toBe('body.data.productItem.quantity');
    expect(await send(cartId, { type: 'EmptyTheWarehouse', data: {} })).toMatchObject({ status: 400 });
    expect(await send('bad%20id', add('shoes', 1, 50))).toMatchObject({ status: 400 });
    expect(await client.getStream({ aggregateType: SHOPPING_CART, aggregateId: cartId })).toBeUndefined();
  });

  it('concurrent commands on one cart all land: the handler retries its version conflicts', async () => {
    const cartId = freshCart();
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => send(cartId, add(`item-${i}`, 1, 1))));
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(200));
    expect(answers.map((a) => a.body.version).sort((a, b) => (a as number) - (b as number))).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
    const last = answers.find((a) => a.body.version === 10)!;
    const summary = await client.getView<ShoppingCartSummary>(SUMMARY_VIEW, cartId, { atLeast: last.body.consistencyToken as string, waitMs: 10_000 });
    expect(summary?.data).toMatchObject({ itemCount: 10, totalAmount: 10 });
  });

  it('needs the API key like every product route', async () => {
    const response = await fetch(`${running.url}/api/shopping-carts/${freshCart()}/commands`, { method: 'POST', body: JSON.stringify(confirm) });
    expect(response.status).toBe(401);
  });
});
