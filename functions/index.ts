// Entry point the Functions host loads (package.json "main"): the product's app, registered in one call.
import { config, definition, getApp } from './appContext.ts';
import { registerFunctions } from './register.ts';

registerFunctions({ definition, config, getApp });
