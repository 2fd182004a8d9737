import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newSubjectKey, type SubjectKeyStore } from '../../src/core/index.ts';

let counter = 0;
const freshSubject = (): string => `subject-${process.pid}-${Date.now()}-${++counter}`;

/** The behaviour every SubjectKeyStore adapter must show; run once per adapter (memory, sqlite, keyvault). */
export const describeSubjectKeyStoreContract = (name: string, open: () => Promise<SubjectKeyStore>): void => {
  describe(`SubjectKeyStore contract: ${name}`, () => {
    let store: SubjectKeyStore;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close();
    });

    it('knows no key for a subject it never saw', async () => {
      const subject = freshSubject();
      expect(await store.current(subject)).toBeUndefined();
      expect(await store.find(subject, '1')).toBeUndefined();
    });

    it('keeps the key it is given and answers it by version', async () => {
      const subject = freshSubject();
      const candidate = newSubjectKey();
      const created = await store.create(subject, candidate);
      expect(Buffer.from(created.key).equals(Buffer.from(candidate))).toBe(true);
      expect(Buffer.from((await store.current(subject))!.key).equals(Buffer.from(candidate))).toBe(true);
      expect(Buffer.from((await store.find(subject, created.version))!).equals(Buffer.from(candidate))).toBe(true);
    });

    it('keeps the first key when asked to create again: a second candidate does not replace it', async () => {
      const subject = freshSubject();
      const first = await store.create(subject, newSubjectKey());
      const second = await store.create(subject, newSubjectKey());
      expect(Buffer.from(second.key).equals(Buffer.from(first.key))).toBe(true);
      expect(second.version).toBe(first.version);
    });

    it('keeps every key that racing creators were answered readable by its version', async () => {
      const subject = freshSubject();
      const answers = await Promise.all([1, 2, 3, 4].map(() => store.create(subject, newSubjectKey())));
      for (const answer of answers) expect(Buffer.from((await store.find(subject, answer.version))!).equals(Buffer.from(answer.key))).toBe(true);
    });

    it('forgets every key of an erased subject, and only of that subject', async () => {
      const subject = freshSubject();
      const other = freshSubject();
      const key = await store.create(subject, newSubjectKey());
      await store.create(other, newSubjectKey());
      expect(await store.erase(subject)).toBe(true);
      expect(await store.current(subject)).toBeUndefined();
      expect(await store.find(subject, key.version)).toBeUndefined();
      expect(await store.current(other)).toBeDefined();
    });

    it('answers false when erasing a subject without a key, or erasing twice', async () => {
      const subject = freshSubject();
      expect(await store.erase(subject)).toBe(false);
      await store.create(subject, newSubjectKey());
      expect(await store.erase(subject)).toBe(true);
      expect(await store.erase(subject)).toBe(false);
    });

    it('hands out copies: changing a returned key changes nothing stored', async () => {
      const subject = freshSubject();
      const created = await store.create(subject, newSubjectKey());
      const original = Buffer.from(created.key);
      created.key.fill(0);
      (await store.current(subject))!.key.fill(0);
      expect(Buffer.from((await store.find(subject, created.version))!).equals(original)).toBe(true);
    });
  });
};
