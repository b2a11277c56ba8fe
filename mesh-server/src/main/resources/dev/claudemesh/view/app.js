// claude-mesh view: the page. It learns everything from one server-sent event stream (`events`): the whole state
// when it connects, then only what changed. It never polls and never reloads. Every piece of peer text is put in
// the page as a text node (textContent, append of a string), never parsed as markup; the server has already
// made control characters visible.
'use strict';

(function () {
  const KINDS = ['question', 'message', 'broadcast', 'task'];
  const STATUSES = ['active', 'stale', 'offline'];
  const view = {
    facts: null,
    peers: [],
    items: new Map(),   // id -> item, as the server sent it
    cards: new Map(),   // id -> {json, el}
    drafts: new Map(),  // question id -> answer being written
  };

  const $ = (id) => document.getElementById(id);

  /** An element with a class and children; strings become text nodes. */
  function el(tag, cls, ...children) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    for (const c of children) {
      if (c !== null && c !== undefined && c !== false) e.append(c);
    }
    return e;
  }

  function known(value, allowed, fallback) {
    return allowed.includes(value) ? value : fallback;
  }

  // ------------------------------------------------------------------ time

  function clock(iso) {
    const d = new Date(iso);
    return isNaN(d) ? '' : d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
  }

  function ago(iso) {
    const s = Math.max(0, Math.round((Date.now() - new Date(iso).getTime()) / 1000));
    if (isNaN(s)) return '';
    if (s < 60) return s + ' s ago';
    if (s < 3600) return Math.floor(s / 60) + ' min ago';
    if (s < 86400) return Math.floor(s / 3600) + ' h ago';
    return Math.floor(s / 86400) + ' d ago';
  }

  /** A time shown as "12:01:05" with the date in its tooltip, or as "3 min ago" kept current. */
  function time(iso, relative) {
    const t = el('time', relative ? 'ago' : 'clock', relative ? ago(iso) : clock(iso));
    t.dateTime = iso;
    t.title = new Date(iso).toLocaleString();
    if (relative) t.dataset.ago = '';
    return t;
  }

  // ------------------------------------------------------------------ peers

  function renderPeers() {
    const list = $('peers');
    list.replaceChildren();
    for (const p of view.peers) {
      const status = known(p.status, STATUSES, 'offline');
      const li = el('li', 'peer status-' + status,
        el('div', 'peer-head',
          el('span', 'dot', ''),
          el('strong', 'name', p.name),
          el('span', 'badge status', status)),
        el('div', 'peer-meta',
          el('span', 'host', 'host ' + p.host),
          el('span', 'project', p.project),
          el('span', 'seen', 'last seen ', time(p.last_seen, true))),
        p.summary ? el('p', 'summary', p.summary) : null);
      li.dataset.name = p.name;
      li.dataset.status = status;
      list.append(li);
    }
    $('peer-count').textContent = view.peers.length ? '(' + view.peers.filter((p) => p.status === 'active').length
      + ' online of ' + view.peers.length + ')' : '';
    $('no-peers').hidden = view.peers.length > 0;
    renderSendTargets();
    renderFilterChoices();
    renderEmpty();
  }

  // ------------------------------------------------------------------ items

  const STATE_WORDS = {
    queued: 'queued: waiting in its inbox',
    offered: 'offered to its session, not yet proven seen',
    seen: 'seen: its session\'s model was shown it',
    withdrawn: 'withdrawn: nobody waits for it any more',
  };

  function receipts(list, label) {
    if (!list || list.length === 0) return null;
    const ul = el('ul', 'receipts');
    for (const r of list) {
      const li = el('li', 'receipt state-' + r.state.replace(/[^a-z_]/g, ''),
        el('span', 'who', r.recipient), ' ', el('span', 'state', r.state), r.at ? ' ' : null, r.at ? time(r.at, false) : null);
      li.dataset.recipient = r.recipient;
      li.dataset.state = r.state;
      // offered: handed to the session (by a hook, a channel push, a tool result); seen: its transcript proves
      // the model got it. How, when the mesh knows.
      li.title = (STATE_WORDS[r.state] || r.state) + (r.via ? ' (' + r.via + ')' : '');
      if (r.via) li.dataset.via = r.via;
      ul.append(li);
    }
    return el('div', 'delivery', el('span', 'label', label), ul);
  }

  function route(item) {
    if (item.kind === 'broadcast') {
      return item.topic ? '#' + item.topic : 'everyone online';
    }
    return item.to.join(', ');
  }

  function questionPart(item) {
    const q = item.question;
    if (!q) return null;
    const part = el('div', 'outcome',
      el('span', 'badge q-status status-' + q.status.replace(/[^a-z]/g, ''), q.status));
    if (q.answer !== null) {
      part.append(el('div', 'answer', el('span', 'label', 'answer from ' + item.to.join(', ')),
        q.answered_at ? time(q.answered_at, false) : null, el('p', 'text answer-text', q.answer)));
    } else if (q.status === 'pending' && view.facts && view.facts.send_as && item.to.includes(view.facts.send_as)) {
      part.append(answerForm(item));
    }
    return part;
  }

  function answerForm(item) {
    const text = el('textarea', 'answer-input');
    text.rows = 2;
    text.required = true;
    text.placeholder = 'Your answer, as ' + view.facts.send_as;
    text.value = view.drafts.get(item.id) || '';
    text.addEventListener('input', () => view.drafts.set(item.id, text.value));
    const result = el('span', 'result');
    result.setAttribute('role', 'status');
    const form = el('form', 'answer-form', text, el('button', null, 'Answer'), result);
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      post('api/answer', { question_id: item.id, answer: text.value }, result, () => view.drafts.delete(item.id));
    });
    return form;
  }

  function taskPart(item) {
    const t = item.task;
    if (!t) return null;
    const part = el('div', 'outcome',
      el('span', 'badge t-status status-' + t.status.replace(/[^a-z]/g, ''), t.status));
    if (t.result !== null) {
      part.append(el('div', 'answer', el('span', 'label', 'result from ' + item.to.join(', ')),
        t.completed_at ? time(t.completed_at, false) : null, el('p', 'text result-text', t.result)));
    }
    return part;
  }

  function card(item) {
    const kind = known(item.kind, KINDS, 'message');
    const li = el('li', 'item kind-' + kind,
      el('div', 'item-head',
        el('span', 'badge kind', kind),
        el('span', 'route', el('strong', 'from', item.from), ' → ', el('span', 'to', route(item))),
        time(item.sent_at, false)),
      el('p', 'text body', item.text),
      item.task && item.task.context ? el('p', 'text context', item.task.context) : null,
      questionPart(item),
      taskPart(item),
      receipts(item.delivery, kind === 'broadcast' ? 'delivery' : 'delivery to'),
      item.question ? receipts(item.question.answer_delivery, 'answer to') : null,
      item.task ? receipts(item.task.result_delivery, 'result to') : null);
    li.dataset.id = item.id;
    li.dataset.kind = kind;
    return li;
  }

  function upsert(item) {
    const json = JSON.stringify(item);
    const old = view.cards.get(item.id);
    view.items.set(item.id, item);
    if (old && old.json === json) return;
    const fresh = card(item);
    if (old) old.el.replaceWith(fresh);
    view.cards.set(item.id, { json: json, el: fresh });
  }

  function remove(id) {
    const old = view.cards.get(id);
    if (old) old.el.remove();
    view.cards.delete(id);
    view.items.delete(id);
    view.drafts.delete(id);
  }

  /** Newest first, moving only the cards out of place (a moved element would lose what is being typed in it). */
  function order() {
    const list = $('items');
    const sorted = [...view.items.values()].sort((a, b) => b.seq - a.seq);
    let next = list.firstChild;
    for (const item of sorted) {
      const e = view.cards.get(item.id).el;
      if (e === next) {
        next = next.nextSibling;
      } else {
        list.insertBefore(e, next);
      }
    }
  }

  function itemsChanged() {
    order();
    renderFilterChoices();
    applyFilters();
    renderEmpty();
  }

  // ------------------------------------------------------------------ filters

  function choices(select, values, none) {
    const current = select.value;
    const options = [el('option', null, none)];
    options[0].value = '';
    for (const v of values) {
      const o = el('option', null, v);
      o.value = v;
      options.push(o);
    }
    select.replaceChildren(...options);
    select.value = values.includes(current) ? current : '';
  }

  function renderFilterChoices() {
    const names = new Set(view.peers.map((p) => p.name));
    const topics = new Set();
    for (const i of view.items.values()) {
      names.add(i.from);
      i.to.forEach((n) => names.add(n));
      if (i.topic) topics.add(i.topic);
    }
    choices($('filter-peer'), [...names].sort(), 'everyone');
    choices($('filter-topic'), [...topics].sort(), 'any');
  }

  function applyFilters() {
    const peer = $('filter-peer').value;
    const topic = $('filter-topic').value;
    const kinds = new Set([...document.querySelectorAll('input[name=kind]:checked')].map((c) => c.value));
    let shown = 0;
    for (const [id, item] of view.items) {
      const match = kinds.has(known(item.kind, KINDS, 'message'))
        && (!peer || item.from === peer || item.to.includes(peer))
        && (!topic || item.topic === topic);
      view.cards.get(id).el.hidden = !match;
      if (match) shown++;
    }
    $('item-count').textContent = view.items.size ? '(' + (shown === view.items.size ? shown : shown + ' of ' + view.items.size) + ')' : '';
    $('no-items').hidden = view.items.size > 0;
    $('no-match').hidden = view.items.size === 0 || shown > 0;
  }

  function renderEmpty() {
    const empty = view.peers.length === 0 && view.items.size === 0;
    $('empty').hidden = !empty;
    $('peers-section').hidden = empty;
    $('items-section').hidden = empty;
  }

  // ------------------------------------------------------------------ sending (--allow-send)

  function renderSendTargets() {
    const self = view.facts && view.facts.send_as;
    $('send-section').hidden = !self;
    if (!self) return;
    $('send-as').textContent = self;
    const select = $('send-to');
    const current = select.value;
    const names = view.peers.filter((p) => p.name.toLowerCase() !== self.toLowerCase()).map((p) => p.name);
    select.replaceChildren(...names.map((n) => {
      const o = el('option', null, n);
      o.value = n;
      return o;
    }));
    if (names.includes(current)) select.value = current;
  }

  function post(path, body, result, done) {
    result.textContent = 'sending…';
    fetch(path, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    }).then((r) => r.json().then((answer) => {
      if (r.ok) {
        result.textContent = answer.status + (answer.id ? ' (' + answer.id + ')' : '');
        if (done) done(answer);
      } else {
        result.textContent = answer.error || ('refused (' + r.status + ')');
      }
    })).catch(() => {
      result.textContent = 'the view did not answer; is claude-mesh view still running?';
    });
  }

  $('send-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const text = $('send-text');
    post('api/send', { to: $('send-to').value, message: text.value }, $('send-result'), () => { text.value = ''; });
  });

  // ------------------------------------------------------------------ the stream

  function setConnection(state, words) {
    const c = $('connection');
    c.className = 'connection ' + state;
    c.textContent = words;
    document.body.dataset.connection = state;
  }

  function showProblem(message) {
    $('problem').hidden = !message;
    $('problem').textContent = message || '';
  }

  function applyState(s) {
    view.facts = s.view;
    $('where').textContent = s.view.where;
    $('where').title = 'the mesh this view reads, on host ' + s.view.host;
    view.peers = s.peers;
    const ids = new Set(s.items.map((i) => i.id));
    for (const id of [...view.items.keys()]) {
      if (!ids.has(id)) remove(id);
    }
    s.items.forEach(upsert);
    renderPeers();
    itemsChanged();
    showProblem(s.problem);
  }

  const events = new EventSource('events');
  events.addEventListener('open', () => setConnection('live', 'live'));
  events.addEventListener('error', () => {
    if (events.readyState === EventSource.CLOSED) {
      setConnection('closed', 'disconnected: start claude-mesh view again and open its new URL');
    } else {
      setConnection('reconnecting', 'reconnecting…');
    }
  });
  events.addEventListener('state', (e) => applyState(JSON.parse(e.data)));
  events.addEventListener('peers', (e) => {
    view.peers = JSON.parse(e.data);
    renderPeers();
  });
  events.addEventListener('items', (e) => {
    const change = JSON.parse(e.data);
    change.remove.forEach(remove);
    change.upsert.forEach(upsert);
    itemsChanged();
  });
  events.addEventListener('problem', (e) => showProblem(JSON.parse(e.data).message));

  for (const id of ['filter-peer', 'filter-topic']) $(id).addEventListener('change', applyFilters);
  document.querySelectorAll('input[name=kind]').forEach((c) => c.addEventListener('change', applyFilters));

  // "3 min ago" stays true without asking the server anything.
  setInterval(() => {
    document.querySelectorAll('time[data-ago]').forEach((t) => { t.textContent = ago(t.dateTime); });
  }, 10000);
}());
