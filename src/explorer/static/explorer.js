// The stream explorer: plain JavaScript over the event log's HTTP API, no build step.
// Served by the local host at /api/explorer/, or from any static site pointed at one API per region
// (?api=https://…/api&api=…); the key stays in this tab's session storage.

const $ = (id) => document.getElementById(id);
const MAX_EVENTS = 5000; // shown per stream; the API pages beyond it
const REFRESH_MS = 5000;

const settings = { apis: [], key: '' };
const state = { prefix: '', next: undefined, stream: undefined, streamsLoad: 0, streamLoad: 0 };

/** Builds an element; text is always set as text, never as HTML. */
function h(tag, props = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'class') element.className = value;
    else if (name.startsWith('on')) element.addEventListener(name.slice(2), value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) if (child !== undefined && child !== null && child !== false) element.append(child instanceof Node ? child : String(child));
  return element;
}

const apiUrl = (text) => {
  const base = new URL(text.trim(), location.href).toString().replace(/\/+$/, '');
  return base.endsWith('/api') ? base : `${base}/api`;
};
const splitApis = (text) => text.split(/[\s,]+/).filter((part) => part !== '').map(apiUrl);

function initialApis() {
  const fromQuery = new URLSearchParams(location.search).getAll('api');
  if (fromQuery.length > 0) return fromQuery.flatMap(splitApis);
  const saved = localStorage.getItem('eventlog.apis');
  if (saved) return JSON.parse(saved);
  // Served by the local host at /api/explorer/: the API is one level up.
  if (/\/api\/explorer\/(index\.html)?$/.test(location.pathname)) return [new URL('..', location.href).toString().replace(/\/$/, '')];
  return [];
}

class ApiError extends Error {
  constructor(status, problem) {
    super(`${status ? `${status} ` : ''}${problem.title ?? 'Error'}: ${problem.detail ?? ''}`);
    this.status = status;
    this.problem = problem;
  }
}

async function call(api, segments, { method = 'GET', query = {} } = {}) {
  const url = new URL(`${api}/${segments.map(encodeURIComponent).join('/')}`);
  for (const [name, value] of Object.entries(query)) if (value !== undefined && value !== '') url.searchParams.set(name, value);
  const headers = { accept: 'application/json, application/problem+json' };
  if (settings.key) headers['x-functions-key'] = settings.key;
  let response;
  try {
    response = await fetch(url, { method, headers });
  } catch (error) {
    throw new ApiError(0, { title: 'No answer', detail: `${url.origin}: ${error.message}` });
  }
  const text = await response.text();
  let body;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    body = text;
  }
  if (!response.ok) throw new ApiError(response.status, typeof body === 'object' && body !== null ? body : { title: `HTTP ${response.status}`, detail: String(body ?? '') });
  return body;
}

function showError(error) {
  const box = $('error');
  box.hidden = error === undefined;
  box.textContent = error === undefined ? '' : error.message;
}

// ---- streams ---------------------------------------------------------------------------------

/** A line that stands in a list until its data arrives. */
const loading = (tag, text, props = {}) => h(tag, { class: 'loading', 'data-testid': 'loading', 'aria-busy': 'true', ...props }, text);

async function loadStreams(more = false) {
  const list = $('streams');
  const note = $('streams-note');
  const api = settings.apis[0];
  // Only the latest load writes the list: typing in the filter starts one per key.
  const load = ++state.streamsLoad;
  if (!more) list.replaceChildren();
  if (api === undefined) return;
  if (!more) {
    note.hidden = true;
    list.append(loading('li', 'Loading streams…'));
  }
  try {
    const page = await call(api, ['streams'], { query: { prefix: state.prefix, after: more ? state.next : undefined, limit: 100 } });
    if (load !== state.streamsLoad) return;
    for (const item of list.querySelectorAll('.loading')) item.remove();
    for (const stream of page.streams)
      list.append(
        h(
          'li',
          { 'data-stream': stream.streamId, class: state.stream?.streamId === stream.streamId ? 'selected' : undefined, onclick: () => openStream(stream.streamId) },
          // Long ids end in an ellipsis; the whole id is the tooltip.
          h('span', { class: 'stream-id', title: stream.streamId }, stream.streamId),
          h('small', { title: `last: ${stream.lastEventType} at ${stream.updatedAt}` }, `v${stream.version}`),
        ),
      );
    state.next = page.next;
    $('more-streams').hidden = page.next === undefined;
    note.hidden = list.children.length > 0;
    note.textContent = state.prefix ? `No stream id starts with ${state.prefix}.` : 'No streams yet.';
  } catch (error) {
    if (load !== state.streamsLoad) return;
    for (const item of list.querySelectorAll('.loading')) item.remove();
    if (error.status === 404 || error.status === 501) {
      note.hidden = false;
      note.textContent = 'This API does not list streams: type a stream id (Type-id) and press Open.';
      return;
    }
    showError(error);
  }
}

const streamRef = (streamId) => {
  const dash = streamId.indexOf('-');
  return dash > 0 ? { type: streamId.slice(0, dash), id: streamId.slice(dash + 1) } : undefined;
};

/** Every event of the stream (up to MAX_EVENTS), optionally as it was at `asOf`; undefined when it had none. */
async function readEvents(ref, asOf) {
  const events = [];
  let token;
  let version = 0;
  do {
    let page;
    try {
      page = await call(settings.apis[0], ['streams', ref.type, ref.id, 'events'], { query: { limit: 1000, asOf, continuationToken: token } });
    } catch (error) {
      // Only `not-found` means the stream has no events; `no-route` (or a bare 404) is a wrong API URL.
      if (error.status === 404 && error.problem.type === 'not-found' && token === undefined) return undefined;
      throw error;
    }
    events.push(...page.events);
    version = page.version;
    token = page.continuationToken;
  } while (token !== undefined && events.length < MAX_EVENTS);
  return { version, events, truncated: token !== undefined };
}

/** No stream on screen: after a failed open, the previous stream must not look like the answer. */
function clearStream(text) {
  state.stream = undefined;
  for (const item of $('streams').children) item.classList.remove('selected');
  $('stream-panel').replaceChildren(h('p', { class: 'note' }, text));
}

async function openStream(streamId) {
  showError();
  const ref = streamRef(streamId.trim());
  if (ref === undefined) return showError(new Error(`"${streamId}" is not a stream id: Type-id, e.g. Order-42`));
  const load = ++state.streamLoad;
  $('stream-panel').replaceChildren(loading('p', `Loading ${ref.type}-${ref.id}…`));
  try {
    const read = await readEvents(ref);
    if (load !== state.streamLoad) return;
    if (read === undefined) {
      clearStream('Choose a stream to see its events.');
      return showError(new Error(`stream ${streamId} has no events`));
    }
    state.stream = { streamId: `${ref.type}-${ref.id}`, ref, all: read.events, version: read.version, truncated: read.truncated };
    for (const item of $('streams').children) item.classList.toggle('selected', item.dataset.stream === state.stream.streamId);
    renderStream(read.events, read.version, undefined);
  } catch (error) {
    if (load !== state.streamLoad) return;
    clearStream('Choose a stream to see its events.');
    showError(error);
  }
}

/** Time travel: the server answers the stream as of that instant (`asOf`); undefined is now. */
async function travel(asOf) {
  const stream = state.stream;
  showError();
  try {
    const read = asOf === undefined ? { events: stream.all, version: stream.version } : await readEvents(stream.ref, asOf);
    renderStream(read?.events ?? [], read?.version ?? 0, asOf);
  } catch (error) {
    showError(error);
  }
}

const instantBefore = (iso) => new Date(Date.parse(iso) - 1).toISOString();

function renderStream(events, version, asOf) {
  const stream = state.stream;
  const all = stream.all;
  // Slider position k shows the stream after its k-th event; the end is "now".
  const position = asOf === undefined ? all.length : all.filter((e) => e.recordedAt <= asOf).length;
  const slider = h('input', {
    type: 'range',
    min: 0,
    max: all.length,
    value: position,
    'data-testid': 'time-travel',
    'aria-label': 'time travel',
    oninput: (event) => {
      const k = Number(event.target.value);
      travel(k === all.length ? undefined : k === 0 ? instantBefore(all[0].recordedAt) : all[k - 1].recordedAt);
    },
  });
  const asOfInput = h('input', { type: 'text', value: asOf ?? '', placeholder: 'asOf, e.g. 2024-05-01T12:00:00Z', size: 26, 'data-testid': 'as-of' });
  const goAsOf = () => {
    const value = asOfInput.value.trim();
    if (value === '') return travel(undefined);
    if (Number.isNaN(Date.parse(value))) return showError(new Error(`"${value}" is not a date-time`));
    travel(new Date(value).toISOString());
  };
  asOfInput.addEventListener('keydown', (event) => event.key === 'Enter' && goAsOf());

  $('stream-panel').replaceChildren(
    h('div', { class: 'stream-head' }, h('h2', {}, stream.streamId), h('span', { 'data-testid': 'stream-version' }, asOf === undefined ? `version ${version}` : `version ${version} as of ${asOf}`)),
    h(
      'div',
      { class: 'travel' },
      h('span', {}, 'Time travel'),
      slider,
      asOfInput,
      h('button', { onclick: goAsOf }, 'Go'),
      h('button', { onclick: () => travel(undefined) }, 'Now'),
      h('output', {}, asOf === undefined ? 'now' : `${events.length} of ${all.length} events`),
    ),
    stream.truncated ? h('p', { class: 'note' }, `Showing the first ${all.length} events; read the rest with eventlog read.`) : '',
    events.length === 0
      ? h('p', { class: 'note' }, 'The stream had no events yet at that time.')
      : h(
          'table',
          { 'data-testid': 'events' },
          h('thead', {}, h('tr', {}, h('th', {}, '#'), h('th', {}, 'recorded'), h('th', {}, 'type'), h('th', {}, 'data'), h('th', {}, 'metadata'))),
          h(
            'tbody',
            {},
            events.map((event) =>
              h(
                'tr',
                { 'data-sequence': event.sequence },
                h('td', { class: 'num' }, event.sequence),
                h('td', { title: `region ${event.region}` }, event.recordedAt),
                h('td', {}, event.schemaVersion > 1 ? `${event.type} v${event.schemaVersion}` : event.type),
                h('td', {}, h('pre', {}, JSON.stringify(event.data, null, 1))),
                h('td', {}, h('pre', {}, JSON.stringify(event.metadata, null, 1))),
              ),
            ),
          ),
        ),
  );
}

// ---- projections -----------------------------------------------------------------------------

const percent = (rebuild) => (rebuild.lag === null || rebuild.position + rebuild.lag === 0 ? '' : ` ${Math.floor((100 * rebuild.position) / (rebuild.position + rebuild.lag))}%`);

async function control(row, skip) {
  if (skip && !confirm(`Skip event ${row.halt.eventId} (${row.halt.streamId}#${row.halt.sequence}) in ${row.name}, region ${row.region}? Its effect on the views is lost.`)) return;
  showError();
  try {
    await call(row.api, ['projections', row.name, 'resume'], { method: 'POST', query: skip ? { skip: 'true' } : {} });
  } catch (error) {
    showError(error);
  }
  await loadProjections();
}

async function loadProjections() {
  const rows = [];
  await Promise.all(
    settings.apis.map(async (api) => {
      try {
        const [health, list] = await Promise.all([call(api, ['health']), call(api, ['projections'])]);
        for (const projection of list.projections) rows.push({ api, region: health.region, ...projection });
      } catch (error) {
        rows.push({ api, region: new URL(api).host, name: '—', failure: error.message });
      }
    }),
  );
  rows.sort((a, b) => a.name.localeCompare(b.name) || a.region.localeCompare(b.region));
  $('projections').replaceChildren(
    ...rows.map((row) =>
      row.failure !== undefined
        ? h('tr', {}, h('td', {}, row.name), h('td', {}, row.region), h('td', { colspan: 5 }, row.failure))
        : h(
            'tr',
            { 'data-projection': row.name, 'data-region': row.region },
            h('td', {}, row.name),
            h('td', {}, row.region),
            h('td', {}, h('span', { class: `badge ${row.status}`, 'data-testid': 'projection-status' }, row.status), row.rebuild ? ` gen ${row.rebuild.generation}${percent(row.rebuild)}` : ''),
            h('td', { class: 'num' }, row.position),
            h('td', { class: 'num', 'data-testid': 'projection-lag' }, row.lag === null ? '—' : row.lag),
            h('td', {}, row.halt ? `halted on ${row.halt.streamId}#${row.halt.sequence} (${row.halt.type}) after ${row.halt.attempts} tries: ${row.halt.error}` : (row.lastError ?? '')),
            h(
              'td',
              { class: 'actions' },
              row.status === 'halted'
                ? [h('button', { class: 'primary', onclick: () => control(row, false) }, 'Resume'), ' ', h('button', { onclick: () => control(row, true) }, 'Skip')]
                : '',
            ),
          ),
    ),
  );
}

// ---- live feed -------------------------------------------------------------------------------
// GET /api/feed as Server-Sent Events, read with fetch rather than EventSource: EventSource cannot send
// the x-functions-key header. Resumed with Last-Event-ID when the server ends a stream or it drops.

const FEED_ROWS = 200; // newest first; older rows fall off
const MAX_FEED_FAILURES = 5;
const feed = { controller: undefined };

/** SSE messages of a response body: `id`, `event` and `data` lines, a blank line ends one, `:` lines are comments. */
async function* sseMessages(body) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  let message = { data: [] };
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    const lines = buffer.split(/\r\n|\r|\n/);
    buffer = lines.pop();
    for (const line of lines) {
      if (line === '') {
        if (message.data.length > 0) yield { id: message.id, event: message.event ?? 'message', data: message.data.join('\n') };
        message = { id: message.id, data: [] };
      } else if (!line.startsWith(':')) {
        const colon = line.indexOf(':');
        const [field, text] = colon < 0 ? [line, ''] : [line.slice(0, colon), line.slice(colon + 1).replace(/^ /, '')];
        if (field === 'data') message.data.push(text);
        else if (field === 'id') message.id = text;
        else if (field === 'event') message.event = text;
      }
    }
  }
}

function setFeedStatus(text, following) {
  $('feed-status').textContent = text;
  $('feed-toggle').textContent = following ? 'Stop' : 'Follow';
}

function stopFeed() {
  feed.controller?.abort();
  feed.controller = undefined;
  setFeedStatus('stopped', false);
}

function addFeedRow(event) {
  const rows = $('feed');
  rows.prepend(
    h(
      'tr',
      { 'data-event': event.id },
      h('td', {}, h('a', { href: '#', onclick: (e) => (e.preventDefault(), openStream(event.streamId)) }, event.streamId)),
      h('td', { class: 'num' }, event.sequence),
      h('td', { title: `region ${event.region}` }, event.recordedAt),
      h('td', {}, event.type),
      h('td', {}, h('pre', {}, JSON.stringify(event.data))),
    ),
  );
  while (rows.children.length > FEED_ROWS) rows.lastElementChild.remove();
}

/** Follows the feed of the first region's API from now on, until stopped. */
async function followFeed(category) {
  stopFeed();
  const api = settings.apis[0];
  if (api === undefined) return;
  const controller = new AbortController();
  feed.controller = controller;
  const what = category ? `category ${category}` : 'all streams';
  let lastEventId;
  let failures = 0;
  setFeedStatus('connecting…', true);
  while (!controller.signal.aborted) {
    const url = new URL(`${api}/feed`);
    if (category) url.searchParams.set('category', category);
    if (lastEventId === undefined) url.searchParams.set('after', 'now');
    const headers = { accept: 'text/event-stream' };
    if (settings.key) headers['x-functions-key'] = settings.key;
    if (lastEventId !== undefined) headers['last-event-id'] = lastEventId;
    try {
      const response = await fetch(url, { headers, signal: controller.signal });
      if (!response.ok) {
        const problem = await response.json().catch(() => ({ title: `HTTP ${response.status}`, detail: '' }));
        stopFeed();
        return showError(new ApiError(response.status, problem));
      }
      setFeedStatus(`following ${what}`, true);
      failures = 0;
      for await (const message of sseMessages(response.body)) {
        if (message.event === 'error') break; // the server ended the stream on a failure: resume
        lastEventId = message.id;
        addFeedRow(JSON.parse(message.data));
      }
    } catch (error) {
      if (controller.signal.aborted) return;
      if (++failures > MAX_FEED_FAILURES) {
        stopFeed();
        return showError(new ApiError(0, { title: 'Feed lost', detail: `${url.origin}: ${error.message}` }));
      }
      setFeedStatus(`reconnecting (${failures}/${MAX_FEED_FAILURES})…`, true);
      await new Promise((resolve) => setTimeout(resolve, 1000 * failures));
    }
  }
}

// ---- views -----------------------------------------------------------------------------------

const views = { token: undefined, load: 0 };

/** GET /api/views/{view}?where=&orderBy=: a page of documents, and More for the next page. */
async function queryView(more = false) {
  showError();
  const api = settings.apis[0];
  const rows = $('view-documents');
  const load = ++views.load;
  if (!more) {
    views.token = undefined;
    rows.replaceChildren(h('tr', {}, loading('td', 'Loading documents…', { colspan: 3 })));
  }
  if (api === undefined) return;
  try {
    const page = await call(api, ['views', $('view-name').value.trim()], {
      query: { where: $('view-where').value.trim(), orderBy: $('view-order').value.trim(), limit: 50, continuationToken: more ? views.token : undefined },
    });
    if (load !== views.load) return;
    for (const item of rows.querySelectorAll('.loading')) item.parentElement.remove();
    rows.append(
      ...page.documents.map((document) =>
        h('tr', { 'data-key': document.key }, h('td', {}, document.key), h('td', {}, document.updatedAt), h('td', {}, h('pre', {}, JSON.stringify(document.data, null, 1)))),
      ),
    );
    if (rows.children.length === 0) rows.append(h('tr', {}, h('td', { class: 'note', colspan: 3 }, 'No documents match.')));
    views.token = page.continuationToken;
    $('more-documents').hidden = page.continuationToken === undefined;
  } catch (error) {
    if (load !== views.load) return;
    rows.replaceChildren();
    $('more-documents').hidden = true;
    // A bad filter names the field at fault (query.where.<field>): show it with the message.
    const fields = error.problem?.errors?.map((e) => `${e.path}: ${e.message}`).join('; ');
    showError(fields ? new Error(`${error.message} (${fields})`) : error);
  }
}

// ---- wiring ----------------------------------------------------------------------------------

function connect() {
  showError();
  state.stream = undefined;
  $('stream-panel').replaceChildren(h('p', { class: 'note' }, settings.apis.length === 0 ? 'Enter the API URL above (one per region) and press Connect.' : 'Choose a stream to see its events.'));
  // Until the first answer: a loading line, not an empty table that reads as "no projections".
  $('projections').replaceChildren(...(settings.apis.length > 0 ? [h('tr', {}, loading('td', 'Loading projections…', { colspan: 7 }))] : []));
  stopFeed();
  $('feed').replaceChildren();
  $('view-documents').replaceChildren();
  $('more-documents').hidden = true;
  void loadStreams();
  void loadProjections();
}

$('connection').addEventListener('submit', (event) => {
  event.preventDefault();
  try {
    settings.apis = splitApis($('api-urls').value);
  } catch {
    return showError(new Error(`"${$('api-urls').value}" is not a URL`));
  }
  settings.key = $('api-key').value;
  localStorage.setItem('eventlog.apis', JSON.stringify(settings.apis));
  sessionStorage.setItem('eventlog.key', settings.key);
  connect();
});

$('open-stream').addEventListener('submit', (event) => {
  event.preventDefault();
  const value = $('stream-filter').value.trim();
  if (streamRef(value) !== undefined) void openStream(value);
});
$('stream-filter').addEventListener('input', () => {
  state.prefix = $('stream-filter').value.trim();
  void loadStreams();
});
$('more-streams').addEventListener('click', () => loadStreams(true));
$('refresh-projections').addEventListener('click', () => loadProjections());
$('feed-form').addEventListener('submit', (event) => {
  event.preventDefault();
  if (feed.controller) stopFeed();
  else void followFeed($('feed-category').value.trim());
});
$('view-form').addEventListener('submit', (event) => {
  event.preventDefault();
  void queryView();
});
$('more-documents').addEventListener('click', () => queryView(true));
setInterval(() => document.visibilityState === 'visible' && settings.apis.length > 0 && loadProjections(), REFRESH_MS);

settings.apis = initialApis();
settings.key = sessionStorage.getItem('eventlog.key') ?? '';
$('api-urls').value = settings.apis.join(', ');
$('api-key').value = settings.key;
connect();
