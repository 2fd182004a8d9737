import { type EventEnvelope, rejectInStream, type ReconciliationPolicy } from '../public/index.ts';
import { emailAddressDecider, type EmailAddressEvent, type EmailAddressState } from './emailAddress.ts';

// How the reference domain settles events a forced failover lost (see src/reconciliation): only the
// email address needs a policy of its own; every other aggregate type gets its lost events appended again.

const holderOf = (state: EmailAddressState): string | undefined =>
  state.status === 'reserved' || state.status === 'confirmed' ? state.userId : undefined;

/**
 * An email address has one holder. A lost step of another user's reservation, appended again after the
 * current holder's, would hand the address over (the reservation fold takes the last reservation), so
 * it is recorded as rejected instead; a step of the holder itself, or on a free address, goes back in.
 */
export const emailAddressPolicy: ReconciliationPolicy = {
  resolve: async ({ loser, readStream }) => {
    const { evolve, initialState } = emailAddressDecider;
    const events = await readStream({ aggregateType: loser.aggregateType, aggregateId: loser.aggregateId });
    const state = events.reduce((current: EmailAddressState, event: EventEnvelope) => evolve(current, event as unknown as EmailAddressEvent), initialState());
    const holder = holderOf(state);
    const claimant = typeof loser.data.userId === 'string' ? loser.data.userId : undefined;
    if (holder === undefined || holder === claimant) return { action: 'reappend' };
    return rejectInStream(loser, `${loser.streamId} is held by user ${holder}; ${loser.type} of user ${claimant ?? '(none)'} would give it to a second user`);
  },
};
