import { ERASED, handleCommand, loadAggregate, type BeforeErasure } from '../public/index.ts';
import { emailAddressDecider } from './emailAddress.ts';
import { emailAddressStream, userStream } from './streams.ts';
import { userDecider } from './user.ts';

/**
 * Before a user's key goes: frees their email address (the reservation stream is found by the address,
 * which only the user's events know, and only while the key exists). Idempotent: the address is freed
 * once, and only while this user holds it; a subject that is no user changes nothing.
 */
export const freeEmailOfErasedUser: BeforeErasure = async (subjectId, { store, region }) => {
  const { state } = await loadAggregate(store, userDecider, userStream(subjectId));
  if ((state.status !== 'pending' && state.status !== 'active') || state.email === ERASED) return;
  await handleCommand(store, emailAddressDecider, emailAddressStream(state.email), { type: 'Erase', userId: subjectId }, { region });
};
