// Entry point the Functions host loads (package.json "main"): the product's app, registered in one call.
import { productApp } from '../src/product.ts';
import { registerApp } from './registerApp.ts';

export const { config, definition, getApp } = registerApp((config) => productApp(config));
