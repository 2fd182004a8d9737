// Entry point the Functions host loads (package.json "main"): the product's app, registered in one call.
import { app } from '@azure/functions';
import { config, definition, getApp } from './appContext.ts';
import { registerFunctions } from './register.ts';

// The feed's Server-Sent Events are a streamed response (https://learn.microsoft.com/azure/azure-functions/node-http-stream).
app.setup({ enableHttpStream: true });

registerFunctions({ definition, config, getApp });
