import { writeFile } from 'node:fs/promises';
import { Command } from 'commander';
import type { CliContext } from '../context.ts';

export const openApiCommand = (context: CliContext): Command =>
  new Command('openapi')
    .description('print the OpenAPI 3.1 document of the HTTP API (what GET /api/openapi.json serves)')
    .option('-o, --out <file>', 'write it to this file instead of stdout (npm run openapi writes docs/openapi.json)')
    .action(async (options: { out?: string }) => {
      // The app pulls in every module: loaded only for this command. Its routes do not depend on settings.
      const [{ openApiJson }, { routeTable }, { productApp }, { loadConfig }] = await Promise.all([
        import('../../api/openapi.ts'),
        import('../../api/routes.ts'),
        import('../../product.ts'),
        import('../../config.ts'),
      ]);
      const document = openApiJson(routeTable(productApp(loadConfig({})).routes));
      if (options.out === undefined) context.stdout.write(document);
      else await writeFile(options.out, document);
    });
