import { isIP } from 'node:net';
import { z } from 'zod';

const optionalText = z.string().min(1).optional();

/** Every setting the product reads, with its default: the environment is parsed here once, at start. */
const Settings = z.object({
  EVENT_STORE: z.enum(['sqlite', 'memory', 'cosmos']).default('sqlite'),
  DATA_DIR: z.string().min(1).default('.data'),
  PORT: z.coerce.number().int().min(0).max(65535).default(7071),
  /** Address the local host listens on; the loopback interface unless opened on purpose (0.0.0.0, ::). */
  HOST: z
    .string()
    .refine((host) => isIP(host) !== 0 || host === 'localhost', 'must be an IP address to listen on, e.g. 127.0.0.1, 0.0.0.0 or ::1, or localhost')
    .default('127.0.0.1'),
  REGION: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,49}$/, 'must be lower-case letters, digits and - (at most 50)')
    .default('local'),
  COSMOS_ENDPOINT: z.url().optional(),
  COSMOS_KEY: optionalText,
  COSMOS__accountEndpoint: z.url().optional(),
  /** The region-local Cosmos DB account of views and checkpoints (identity auth); unset: the event account. */
  VIEWS__accountEndpoint: z.url().optional(),
  /** The same with key auth, for an emulator or a test account only (as COSMOS_ENDPOINT and COSMOS_KEY). */
  VIEWS_ENDPOINT: z.url().optional(),
  VIEWS_KEY: optionalText,
  /**
   * This region's copy first, then the others (comma-separated region names, as the account lists them):
   * where the change-feed triggers and reads go. Unset: REGION alone. Writes always go to the write region.
   */
  COSMOS_PREFERRED_LOCATIONS: z
    .string()
    .transform((value) => value.split(',').map((name) => name.trim()).filter((name) => name !== ''))
    .pipe(z.array(z.string().regex(/^[A-Za-z0-9 ]{1,50}$/, 'names regions by letters, digits and spaces')).min(1, 'must name at least one region'))
    .optional(),
  COSMOS_DATABASE: z.string().regex(/^[A-Za-z0-9_-]{1,255}$/, 'must be a valid Cosmos DB database id').default('eventlog'),
  API_KEY: optionalText,
  ADMIN_KEY: optionalText,
  /** Attempts (with backoff) of a throwing projection handler before the projection halts on its event. */
  PROJECTION_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(5),
  /** Where activation mail goes: `.eml` files under DATA_DIR/outbox, or Azure Communication Services Email. */
  MAILER: z.enum(['outbox', 'acs']).default('outbox'),
  /** Sender address; with `acs`, an address of a domain connected to the resource. */
  MAIL_FROM: z.email().default('no-reply@eventlog.invalid'),
  /** The Communication Services resource (identity auth), e.g. https://my-resource.communication.azure.com. */
  ACS_ENDPOINT: z.url().optional(),
  /** A reservation of an email address this old without its user is abandoned, and released. */
  EMAIL_RESERVATION_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(86_400).default(120),
  /** How often the local host sweeps abandoned email reservations (Azure: a timer). */
  EMAIL_RESERVATION_SWEEP_SECONDS: z.coerce.number().int().min(1).max(86_400).default(60),
  /**
   * Where the keys that seal personal data live: `keyvault` (Azure Key Vault at KEY_VAULT_URL, the app's
   * identity), `sqlite` (a file in DATA_DIR) or `memory`. Unset: keyvault when KEY_VAULT_URL is set,
   * else memory with EVENT_STORE=memory and sqlite otherwise.
   */
  SUBJECT_KEY_STORE: z.enum(['keyvault', 'sqlite', 'memory']).optional(),
  /** The vault of the subject keys, e.g. https://my-vault.vault.azure.net/ (the templates set it). */
  KEY_VAULT_URL: z.url({ protocol: /^https$/, error: 'must be the https URL of a Key Vault, e.g. https://my-vault.vault.azure.net/' }).optional(),
  /** The archive's directory (cold storage of the embedded store); default DATA_DIR/archive with EVENT_STORE=sqlite. */
  ARCHIVE_DIR: optionalText,
  /** The archive's Azure Blob Storage container, reached with the app's identity: https://{account}.blob.core.windows.net/{container}. */
  ARCHIVE_CONTAINER_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** What the archive timer archives: `user:30,post:90` (aggregate type and days untouched); unset: nothing. */
  ARCHIVE_POLICY: z
    .string()
    .regex(/^\s*[A-Za-z][A-Za-z0-9_]{0,63}:\d{1,5}\s*(,\s*[A-Za-z][A-Za-z0-9_]{0,63}:\d{1,5}\s*)*$/, 'must be <aggregateType>:<idle days>, comma-separated, e.g. user:30,post:90')
    .optional(),
  /** Side-effect consumers (activation mail, reservation sweep) run here; enable them in one region only. */
  REACTORS_ENABLED: z.stringbool().default(true),
});

export const ConfigSchema = Settings.superRefine((config, ctx) => {
  if (config.ARCHIVE_DIR !== undefined && config.ARCHIVE_CONTAINER_URL !== undefined)
    ctx.addIssue({ code: 'custom', path: ['ARCHIVE_DIR'], message: 'and ARCHIVE_CONTAINER_URL are both set: use one (a directory locally, a blob container in Azure)' });
  if (config.SUBJECT_KEY_STORE === 'keyvault' && config.KEY_VAULT_URL === undefined)
    ctx.addIssue({ code: 'custom', path: ['KEY_VAULT_URL'], message: 'is required when SUBJECT_KEY_STORE=keyvault' });
  if (config.MAILER === 'acs' && config.ACS_ENDPOINT === undefined)
    ctx.addIssue({ code: 'custom', path: ['ACS_ENDPOINT'], message: 'is required when MAILER=acs' });
  if (config.EVENT_STORE !== 'cosmos') return;
  if (config.COSMOS_ENDPOINT === undefined && config.COSMOS__accountEndpoint === undefined)
    ctx.addIssue({ code: 'custom', path: ['COSMOS__accountEndpoint'], message: 'is required when EVENT_STORE=cosmos (or COSMOS_ENDPOINT with COSMOS_KEY)' });
  if (config.COSMOS_ENDPOINT !== undefined && config.COSMOS_KEY === undefined)
    ctx.addIssue({ code: 'custom', path: ['COSMOS_KEY'], message: 'is required with COSMOS_ENDPOINT' });
  if (config.COSMOS_ENDPOINT !== undefined && config.COSMOS__accountEndpoint !== undefined)
    ctx.addIssue({ code: 'custom', path: ['COSMOS_ENDPOINT'], message: 'and COSMOS__accountEndpoint are both set: use one (key auth for an emulator, identity in Azure)' });
  if (config.VIEWS_ENDPOINT !== undefined && config.VIEWS_KEY === undefined)
    ctx.addIssue({ code: 'custom', path: ['VIEWS_KEY'], message: 'is required with VIEWS_ENDPOINT' });
  if (config.VIEWS_ENDPOINT !== undefined && config.VIEWS__accountEndpoint !== undefined)
    ctx.addIssue({ code: 'custom', path: ['VIEWS_ENDPOINT'], message: 'and VIEWS__accountEndpoint are both set: use one (key auth for an emulator, identity in Azure)' });
}).transform((config) => ({
  ...config,
  SUBJECT_KEY_STORE: config.SUBJECT_KEY_STORE ?? (config.KEY_VAULT_URL !== undefined ? 'keyvault' : config.EVENT_STORE === 'memory' ? 'memory' : 'sqlite'),
}));

export type Config = z.infer<typeof ConfigSchema>;

export class ConfigError extends Error {}

/** Parses the environment; empty values count as unset. Throws one line naming the first bad variable. */
export const loadConfig = (env: Record<string, string | undefined> = process.env): Config => {
  const known = new Set(Object.keys(Settings.shape));
  const values = Object.fromEntries(Object.entries(env).filter(([name, value]) => value !== undefined && value !== '' && known.has(name)));
  const parsed = ConfigSchema.safeParse(values);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const name = String(issue.path[0] ?? 'configuration');
  const got = values[name] === undefined ? '' : ` (got "${values[name]}")`;
  throw new ConfigError(`Invalid configuration: ${name} ${issue.message}${got}`);
};

/**
 * What the Functions host asks beyond the schema. An instance's disk in Azure does not outlive it, so
 * with the log in Cosmos DB the keys of personal data must be in the vault: a key kept in a file there
 * would be lost, and its data with it. Setting SUBJECT_KEY_STORE on purpose (an emulator, `func start`) is allowed.
 */
export const checkFunctionsHostConfig = (config: Config, env: Record<string, string | undefined> = process.env): Config => {
  if (config.EVENT_STORE === 'cosmos' && config.SUBJECT_KEY_STORE !== 'keyvault' && !env.SUBJECT_KEY_STORE)
    throw new ConfigError(
      'Invalid configuration: KEY_VAULT_URL is required with EVENT_STORE=cosmos in the Functions host (keys of personal data must outlive the instance; set SUBJECT_KEY_STORE=sqlite on purpose for an emulator)',
    );
  return config;
};
