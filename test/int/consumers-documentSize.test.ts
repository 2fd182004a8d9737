import { rmSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, describe, expect, it } from 'vitest';
import { ConsumerRuntime } from '../../src/consumers/runtime.ts';
import { emailReservationProjection } from '../../src/domain/projections.ts';
import { emailAddressId } from '../../src/domain/streams.ts';
import { SqliteProjectionStorage } from '../../src/stores/sqlite/sqliteProjectionStorage.ts';
import { eventOf } from '../unit/projectionsFixtures.ts';
import { tempDir } from '../support/http.ts';

// No view or checkpoint document grows without bound: Cosmos DB refuses items over 2 MB, which would
// halt the projection that writes one. The reservation index is the document most exposed: every
// reservation of an hour lands in it.

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('document size', () => {
  it('20,000 reservations pending in one hour leave every document of the reservation views under 1 MB', async () => {
    const dir = tempDir('eventlog-document-size-');
    dirs.push(dir);
    const storage = new SqliteProjectionStorage({ dataDir: dir, region: 'test' });
    const runtime = new ConsumerRuntime({ projections: [emailReservationProjection], views: storage.views, checkpoints: storage.checkpoints, region: 'test', maxAttempts: 1 });
    const reservedAt = '2025-06-01T10:15:00.000Z';
    const events = Array.from({ length: 20_000 }, (_, i) => {
      const email = `user${i}@example.com`;
      return eventOf(`EmailAddress-${emailAddressId(email)}`, 1, 'EmailReserved', { email, userId: `u-${i}-${'x'.repeat(28)}`, reservedAt });
    });
    try {
      for (let at = 0; at < events.length; at += 256) await runtime.applyLive('email-reservations', events.slice(at, at + 256));
      // Every stored document as the item it would be: view, key, data and positions.
      const db = new DatabaseSync(storage.path, { readOnly: true });
      const rows = db.prepare('SELECT view, key, data, positions FROM view_documents').all() as Array<{ view: string; key: string; data: string | null; positions: string }>;
      db.close();
      const sizes = rows.map((row) => Buffer.byteLength(JSON.stringify(row)));
      const pending = rows
        .filter((row) => row.view.startsWith('pendingEmailReservations'))
        .reduce((sum, row) => sum + (JSON.parse(row.data!) as { reservations: unknown[] }).reservations.length, 0);
      expect(pending).toBe(20_000);
      expect(Math.max(...sizes)).toBeLessThan(1024 * 1024);
      const state = await storage.checkpoints.get('email-reservations');
      expect(Buffer.byteLength(JSON.stringify(state))).toBeLessThan(64 * 1024);
    } finally {
      await storage.close();
    }
  });
});
