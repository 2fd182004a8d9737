import { defineProjection, defineView, type EventEnvelope } from '../../src/core/index.ts';
import { SHOPPING_CART, type PricedProductItem } from './shoppingCart.ts';

// The cart summary as one of the log's projections: the runtime feeds it every cart event once per
// region (redeliveries dropped), and the views API serves it with read-your-writes tokens.

export interface ShoppingCartSummary {
  [field: string]: unknown;
  cartId: string;
  status: 'Opened' | 'Confirmed';
  /** Units in the cart, all products together. */
  itemCount: number;
  totalAmount: number;
  confirmedAt?: string;
}

export const SUMMARY_VIEW = 'shopping_cart_summary';

const amountOf = (item: PricedProductItem): number => item.quantity * item.unitPrice;

const reduce = (current: ShoppingCartSummary | undefined, event: EventEnvelope): ShoppingCartSummary => {
  const summary = current ?? { cartId: event.aggregateId, status: 'Opened', itemCount: 0, totalAmount: 0 };
  const { productItem, confirmedAt } = event.data as { productItem?: PricedProductItem; confirmedAt?: string };
  switch (event.type) {
    case 'ProductItemAddedToShoppingCart':
      return { ...summary, itemCount: summary.itemCount + productItem!.quantity, totalAmount: summary.totalAmount + amountOf(productItem!) };
    case 'ProductItemRemovedFromShoppingCart':
      return { ...summary, itemCount: summary.itemCount - productItem!.quantity, totalAmount: summary.totalAmount - amountOf(productItem!) };
    case 'ShoppingCartConfirmed':
      return { ...summary, status: 'Confirmed', confirmedAt };
    default:
      return summary;
  }
};

export const shoppingCartSummaryProjection = defineProjection({
  name: 'shopping-cart-summary',
  version: 1,
  eventTypes: ['ProductItemAddedToShoppingCart', 'ProductItemRemovedFromShoppingCart', 'ShoppingCartConfirmed'],
  views: [
    defineView<ShoppingCartSummary>({
      name: SUMMARY_VIEW,
      // One document per cart, fed by that cart's stream only, so the order across streams never matters.
      keysOf: (event) => (event.aggregateType === SHOPPING_CART ? [event.aggregateId] : []),
      reduce: (current, event) => reduce(current, event),
    }),
  ],
});
