// Entry point the Functions host loads (package.json "main"): one import per kind of trigger.
import './http.ts';
import './changeFeed.ts';
import './reactors.ts';
import './timers.ts';
import './reconciler.ts';
