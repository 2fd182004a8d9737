import { DeciderSpecification, IllegalStateError } from '@event-driven-io/emmett';
import { describe, it } from 'vitest';
import { shoppingCartDecider, type PricedProductItem, type ShoppingCartCommand, type ShoppingCartEvent } from './shoppingCart.ts';

const given = DeciderSpecification.for(shoppingCartDecider);
const now = new Date('2030-01-01T10:00:00.000Z');
const at = now.toISOString();
const shoes: PricedProductItem = { productId: 'shoes', quantity: 2, unitPrice: 50 };

const add = (productItem: PricedProductItem): ShoppingCartCommand => ({ type: 'AddProductItemToShoppingCart', data: { productItem }, metadata: { now } });
const remove = (productItem: PricedProductItem): ShoppingCartCommand => ({ type: 'RemoveProductItemFromShoppingCart', data: { productItem }, metadata: { now } });
const confirm: ShoppingCartCommand = { type: 'ConfirmShoppingCart', data: {}, metadata: { now } };
const added = (productItem: PricedProductItem): ShoppingCartEvent => ({ type: 'ProductItemAddedToShoppingCart', data: { productItem, addedAt: at } });
const confirmed: ShoppingCartEvent = { type: 'ShoppingCartConfirmed', data: { confirmedAt: at } };

describe('the shopping cart decider', () => {
  it('adds a product item to an empty cart', () => given([]).when(add(shoes)).then([added(shoes)]));

  it('removes product items the cart holds', () =>
    given([added(shoes)]).when(remove({ ...shoes, quantity: 1 })).then([{ type: 'ProductItemRemovedFromShoppingCart', data: { productItem: { ...shoes, quantity: 1 }, removedAt: at } }]));

  it('refuses to remove more than the cart holds, or at another price', () => {
    given([added(shoes)]).when(remove({ ...shoes, quantity: 3 })).thenThrows(IllegalStateError);
    given([added(shoes)]).when(remove({ ...shoes, unitPrice: 40 })).thenThrows(IllegalStateError);
  });

  it('confirms a cart with items', () => given([added(shoes)]).when(confirm).then([confirmed]));

  it('refuses to confirm an empty cart, including one emptied again', () => {
    given([]).when(confirm).thenThrows(IllegalStateError);
    given([added(shoes), { type: 'ProductItemRemovedFromShoppingCart', data: { productItem: shoes, removedAt: at } }]).when(confirm).thenThrows(IllegalStateError);
  });

  it('refuses every command once confirmed', () => {
    given([added(shoes), confirmed]).when(add(shoes)).thenThrows(IllegalStateError);
    given([added(shoes), confirmed]).when(confirm).thenThrows(IllegalStateError);
  });
});
