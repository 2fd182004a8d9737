import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { appendPolicyOf, CommandsOnlyError } from '../../src/app/appendPolicy.ts';
import { createApp } from '../../src/app/createApp.ts';
import type { AggregateRegistration } from '../../src/app/module.ts';
import { createUpcasters, ValidationError, type NewEvent } from '../../src/core/index.ts';
import { UserEvents } from '../../src/domain/user.ts';

// The raw append policy on its own: what each declaration lets through, and the paths it names.

const decider = {};
const registration = (aggregateType: string, rawAppend: AggregateRegistration['rawAppend'], events: AggregateRegistration['events'] = UserEvents): AggregateRegistration => ({
  aggregateType,
  decider,
  events,
  rawAppend,
});
const refusal = (run: () => void): unknown => {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
};
const pathsOf = (error: unknown) => (error as ValidationError).errors.map((e) => e.path);

describe('the raw append policy', () => {
  it('validated: {"type":"UserRegistered","data":{"email":42}} is a 400 naming body.events.0.data.email', () => {
    const policy = appendPolicyOf([registration('User', 'validated')]);
    const error = refusal(() => policy.check({ aggregateType: 'User', aggregateId: 'u1' }, [{ type: 'UserRegistered', data: { email: 42, name: 'n' } }]));
    expect(error).toBeInstanceOf(ValidationError);
    expect(pathsOf(error)).toEqual(['body.events.0.data.email']);
    expect(() => policy.check({ aggregateType: 'User', aggregateId: 'u1' }, [{ type: 'UserRegistered', data: { email: 'a@b.c', name: 'n' } }])).not.toThrow();
  });

  it('validated: unknown types and other schema versions are refused, every event reported', () => {
    const upcasters = createUpcasters([{ type: 'UserRegistered', fromVersion: 1, upcast: (data) => data }]);
    const policy = appendPolicyOf([{ ...registration('User', 'validated'), decider: { upcasters } }]);
    const events: NewEvent[] = [
      { type: 'UserRegistered', data: { email: 'a@b.c', name: 'n' } },
      { type: 'UserRegistered', data: { email: 'a@b.c', name: 'n' }, schemaVersion: 2 },
      { type: 'toString', data: {} },
      { type: 'UserActivated', data: {} },
    ];
    expect(pathsOf(refusal(() => policy.check({ aggregateType: 'User', aggregateId: 'u' }, events)))).toEqual(['body.events.0.schemaVersion', 'body.events.2.type']);
  });

  it('commands-only refuses anything with 403; allowed and unregistered types take anything', () => {
    const policy = appendPolicyOf([registration('User', 'commands-only'), registration('Note', 'allowed')]);
    const error = refusal(() => policy.check({ aggregateType: 'User', aggregateId: 'u' }, [{ type: 'UserActivated', data: {} }]));
    expect(error).toBeInstanceOf(CommandsOnlyError);
    expect(error).toMatchObject({ status: 403, code: 'commands-only' });
    for (const aggregateType of ['Note', 'Order', 'constructor', '__proto__'])
      expect(() => policy.check({ aggregateType, aggregateId: 'x' }, [{ type: 'UserRegistered', data: { email: 42 } }])).not.toThrow();
  });

  it('registrations that cannot be enforced fail the start', () => {
    expect(() => appendPolicyOf([registration('User', 'validated', {})])).toThrow(/registers no event schemas/);
    expect(() => appendPolicyOf([registration('User', 'validated', { 'not a type': z.object({}) })])).toThrow(/not valid names/);
    expect(() => createApp([{ name: 'm', aggregates: [registration('User', 'validated', {})] }])).toThrow(/registers no event schemas/);
  });

  it('the product registers User and EmailAddress as commands-only, Post and Comment as validated, and the log of erasures as commands-only', async () => {
    const { productApp } = await import('../../src/product.ts');
    const { loadConfig } = await import('../../src/config.ts');
    const declared = Object.fromEntries(productApp(loadConfig({})).aggregates.map((a) => [a.aggregateType, a.rawAppend]));
    expect(declared).toEqual({ User: 'commands-only', EmailAddress: 'commands-only', Post: 'validated', Comment: 'validated', DataSubject: 'commands-only' });
  });
});
