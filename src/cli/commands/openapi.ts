import { writeFile } from 'node:fs/promises';
import { Command } from 'commander';
import type { CliContext } from '../context.ts';

export const openApiCommand = (context: CliContext): Command =>
  new Command('openapi')
    .description('print the OpenAPI 3.1 document of the HTTP API (what GET /api/openapi.json serves)')
    .option('-o, --out <file>', 'write it to this file instead of stdout (npm run openapi writes docs/openapi.json)')
    .action(async (options: { out?: string }) => {
      // The route table pulls in the whole app: loaded only for this command.
      const [{ openApiJson }, { routes }] = await Promise.all([import('../../api/openapi.ts'), import('../../api/routes.ts')]);
      const document = openApiJson(routes);
      if (options.out === undefined) context.stdout.write(document);
      else await writeFile(options.out, document);
    });
