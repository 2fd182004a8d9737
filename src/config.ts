import { z } from 'zod';

const optionalText = z.string().min(1).optional();

/** Every setting the product reads, with its default: the environment is parsed here once, at start. */
export const ConfigSchema = z
  .object({
    EVENT_STORE: z.enum(['sqlite', 'memory', 'cosmos']).default('sqlite'),
    DATA_DIR: z.string().min(1).default('.data'),
    PORT: z.coerce.number().int().min(0).max(65535).default(7071),
    REGION: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{0,49}$/, 'must be lower-case letters, digits and - (at most 50)')
      .default('local'),
    COSMOS_ENDPOINT: z.url().optional(),
    COSMOS_KEY: optionalText,
    COSMOS__accountEndpoint: z.url().optional(),
    COSMOS_DATABASE: z.string().regex(/^[A-Za-z0-9_-]{1,255}$/, 'must be a valid Cosmos DB database id').default('eventlog'),
    API_KEY: optionalText,
    ADMIN_KEY: optionalText,
  })
  .superRefine((config, ctx) => {
    if (config.EVENT_STORE !== 'cosmos') return;
    if (config.COSMOS_ENDPOINT === undefined && config.COSMOS__accountEndpoint === undefined)
      ctx.addIssue({ code: 'custom', path: ['COSMOS__accountEndpoint'], message: 'is required when EVENT_STORE=cosmos (or COSMOS_ENDPOINT with COSMOS_KEY)' });
    if (config.COSMOS_ENDPOINT !== undefined && config.COSMOS_KEY === undefined)
      ctx.addIssue({ code: 'custom', path: ['COSMOS_KEY'], message: 'is required with COSMOS_ENDPOINT' });
  });

export type Config = z.infer<typeof ConfigSchema>;

export class ConfigError extends Error {}

/** Parses the environment; empty values count as unset. Throws one line naming the first bad variable. */
export const loadConfig = (env: Record<string, string | undefined> = process.env): Config => {
  const known = Object.keys(ConfigSchema.shape ?? {});
  const values = Object.fromEntries(
    Object.entries(env).filter(([name, value]) => value !== undefined && value !== '' && (known.length === 0 || known.includes(name))),
  );
  const parsed = ConfigSchema.safeParse(values);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const name = String(issue.path[0] ?? 'configuration');
  const got = values[name] === undefined ? '' : ` (got "${values[name]}")`;
  throw new ConfigError(`Invalid configuration: ${name} ${issue.message}${got}`);
};
