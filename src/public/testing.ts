// `eventlog/testing`: given / when / then for deciders, an in-memory app for HTTP-level tests, and
// read-your-writes on a view by consistency token. Assertions throw node's AssertionError, so any
// test runner reports them.

export { deciderSpec, type DeciderSpec, type DeciderGiven, type DeciderThen, type ExpectedError } from '../testing/deciderSpec.ts';
export { startTestApp, type TestApp } from '../testing/testApp.ts';
export { waitForView, ViewReadError, type ViewAnswer, type WaitForViewOptions } from '../testing/waitForView.ts';
