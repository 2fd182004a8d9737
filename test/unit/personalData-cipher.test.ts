import { describe, expect, it } from 'vitest';
import { isSealedValue, newSubjectKey, openSealed, sealValue, SealedValueError, type SealedValue } from '../../src/core/index.ts';

// The envelope of one personal field: AES-256-GCM under the subject's key, bound to subject, key version and path.

const key = newSubjectKey();
const sealingKey = { subjectId: 'user-1', version: '1', key };
const flip = (base64url: string, at = 0): string => {
  const bytes = Buffer.from(base64url, 'base64url');
  bytes[at] = bytes[at]! ^ 0x01;
  return bytes.toString('base64url');
};

describe('the sealed value of a personal field', () => {
  it('opens to the value it sealed, for strings and structured values alike', () => {
    expect(openSealed(sealValue('ada@example.com', 'email', sealingKey), 'email', key)).toBe('ada@example.com');
    const address = { street: 'Rue de la Paix 1', zip: '75002', tags: ['home'], n: 7 };
    expect(openSealed(sealValue(address, 'address', sealingKey), 'address', key)).toEqual(address);
  });

  it('holds neither the plain value nor the key, and names its subject and key version', () => {
    const sealed = sealValue('ada@example.com', 'email', sealingKey);
    const stored = JSON.stringify(sealed);
    expect(stored).not.toContain('ada@example.com');
    expect(stored).not.toContain(Buffer.from(key).toString('base64'));
    expect(stored).not.toContain(Buffer.from(key).toString('base64url'));
    expect(sealed).toMatchObject({ sealed: 'aes-256-gcm/1', subject: 'user-1', key: '1' });
    expect(isSealedValue(sealed)).toBe(true);
  });

  it('uses a fresh nonce each time: the same value sealed twice differs', () => {
    const a = sealValue('same', 'name', sealingKey);
    const b = sealValue('same', 'name', sealingKey);
    expect(a.nonce).not.toBe(b.nonce);
    expect(a.ciphertext).not.toBe(b.ciphertext);
  });

  it('detects tampering with the ciphertext, the tag or the nonce', () => {
    const sealed = sealValue('ada@example.com', 'email', sealingKey);
    const tampered: SealedValue[] = [
      { ...sealed, ciphertext: flip(sealed.ciphertext) },
      { ...sealed, ciphertext: flip(sealed.ciphertext, 5) },
      { ...sealed, tag: flip(sealed.tag) },
      { ...sealed, nonce: flip(sealed.nonce) },
      { ...sealed, ciphertext: sealed.ciphertext.slice(0, -2) },
    ];
    for (const value of tampered) expect(() => openSealed(value, 'email', key), JSON.stringify(value)).toThrow(SealedValueError);
  });

  it('rejects a wrong key', () => {
    const sealed = sealValue('ada@example.com', 'email', sealingKey);
    expect(() => openSealed(sealed, 'email', newSubjectKey())).toThrow(SealedValueError);
  });

  it('does not open when moved to another field, another subject or another key version', () => {
    const sealed = sealValue('ada@example.com', 'email', sealingKey);
    expect(() => openSealed(sealed, 'name', key)).toThrow(SealedValueError);
    expect(() => openSealed({ ...sealed, subject: 'user-2' }, 'email', key)).toThrow(SealedValueError);
    expect(() => openSealed({ ...sealed, key: '2' }, 'email', key)).toThrow(SealedValueError);
  });

  it('refuses a malformed nonce or tag, and a key of the wrong size, before any decryption', () => {
    const sealed = sealValue('x', 'email', sealingKey);
    expect(() => openSealed({ ...sealed, nonce: 'AAAA' }, 'email', key)).toThrow(/malformed nonce or tag/);
    expect(() => openSealed({ ...sealed, tag: '' }, 'email', key)).toThrow(/malformed nonce or tag/);
    expect(() => sealValue('x', 'email', { ...sealingKey, key: new Uint8Array(16) })).toThrow(/32 bytes/);
  });

  it('names the field and subject when it fails, never the key or the value', () => {
    const sealed = sealValue('ada@example.com', 'email', sealingKey);
    const wrong = newSubjectKey();
    const error = (() => {
      try {
        openSealed(sealed, 'email', wrong);
      } catch (caught) {
        return caught as Error;
      }
      throw new Error('opened with a wrong key');
    })();
    expect(error.message).toContain('email');
    expect(error.message).toContain('user-1');
    expect(error.message).not.toContain('ada@example.com');
    expect(error.message).not.toContain(Buffer.from(wrong).toString('base64'));
  });

  it('tells sealed values from plain ones that merely look alike', () => {
    expect(isSealedValue('ada@example.com')).toBe(false);
    expect(isSealedValue({ sealed: 'aes-256-gcm/1' })).toBe(false);
    expect(isSealedValue({ ...sealValue('x', 'a', sealingKey), extra: 1 })).toBe(false);
  });
});
