import { IllegalStateError, type Command, type Event } from '@event-driven-io/emmett';

// The shopping cart as an Emmett decider: plain data and pure functions, nothing of storage.

export type PricedProductItem = { productId: string; quantity: number; unitPrice: number };

export type ProductItemAddedToShoppingCart = Event<'ProductItemAddedToShoppingCart', { productItem: PricedProductItem; addedAt: string }>;
export type ProductItemRemovedFromShoppingCart = Event<'ProductItemRemovedFromShoppingCart', { productItem: PricedProductItem; removedAt: string }>;
export type ShoppingCartConfirmed = Event<'ShoppingCartConfirmed', { confirmedAt: string }>;
export type ShoppingCartEvent = ProductItemAddedToShoppingCart | ProductItemRemovedFromShoppingCart | ShoppingCartConfirmed;

export type AddProductItemToShoppingCart = Command<'AddProductItemToShoppingCart', { productItem: PricedProductItem }>;
export type RemoveProductItemFromShoppingCart = Command<'RemoveProductItemFromShoppingCart', { productItem: PricedProductItem }>;
export type ConfirmShoppingCart = Command<'ConfirmShoppingCart', Record<string, never>>;
export type ShoppingCartCommand = AddProductItemToShoppingCart | RemoveProductItemFromShoppingCart | ConfirmShoppingCart;

export type ShoppingCart = {
  status: 'Empty' | 'Opened' | 'Confirmed';
  /** Quantity per `{productId}@{unitPrice}`: the same product at another price is another line. */
  quantities: Record<string, number>;
};

/** The aggregate type of every cart stream: cart `42` is the stream `shopping_cart-42`. */
export const SHOPPING_CART = 'shopping_cart';

export const lineOf = ({ productId, unitPrice }: PricedProductItem): string => `${productId}@${unitPrice}`;

export const initialState = (): ShoppingCart => ({ status: 'Empty', quantities: {} });

export const evolve = (state: ShoppingCart, event: ShoppingCartEvent): ShoppingCart => {
  switch (event.type) {
    case 'ProductItemAddedToShoppingCart':
    case 'ProductItemRemovedFromShoppingCart': {
      const { productItem } = event.data;
      const sign = event.type === 'ProductItemAddedToShoppingCart' ? 1 : -1;
      const line = lineOf(productItem);
      const quantity = (state.quantities[line] ?? 0) + sign * productItem.quantity;
      const { [line]: _old, ...others } = state.quantities;
      return { status: 'Opened', quantities: quantity > 0 ? { ...others, [line]: quantity } : others };
    }
    case 'ShoppingCartConfirmed':
      return { ...state, status: 'Confirmed' };
  }
};

const now = (command: ShoppingCartCommand): string => (command.metadata?.now ?? new Date()).toISOString();

export const decide = (command: ShoppingCartCommand, state: ShoppingCart): ShoppingCartEvent => {
  if (state.status === 'Confirmed') throw new IllegalStateError('the shopping cart is already confirmed');
  switch (command.type) {
    case 'AddProductItemToShoppingCart':
      return { type: 'ProductItemAddedToShoppingCart', data: { productItem: command.data.productItem, addedAt: now(command) } };
    case 'RemoveProductItemFromShoppingCart': {
      const { productItem } = command.data;
      if ((state.quantities[lineOf(productItem)] ?? 0) < productItem.quantity)
        throw new IllegalStateError(`the shopping cart does not hold ${productItem.quantity} of ${productItem.productId} at ${productItem.unitPrice}`);
      return { type: 'ProductItemRemovedFromShoppingCart', data: { productItem, removedAt: now(command) } };
    }
    case 'ConfirmShoppingCart':
      if (Object.keys(state.quantities).length === 0) throw new IllegalStateError('an empty shopping cart cannot be confirmed');
      return { type: 'ShoppingCartConfirmed', data: { confirmedAt: now(command) } };
  }
};

export const shoppingCartDecider = { decide, evolve, initialState };
