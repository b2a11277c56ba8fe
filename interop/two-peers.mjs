#!/usr/bin/env node
// Interop check: drives two claude-mesh stdio servers with the official TypeScript MCP SDK client
// (an independent implementation of the protocol) through the whole ask/reply flow, then one-way messages,
// a topic broadcast and a delegated task's round trip.
//
//   node interop/two-peers.mjs <repo-root>
//
// Prints one line per check and exits 0 when all pass; on the first failure prints FAIL with what was
// expected and what came back, plus the servers' stderr, and exits 1. Needs `npm ci` in interop/ first.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const REQUEST_TIMEOUT_MS = 60_000;
const POLL_DEADLINE_MS = 30_000;
const TOOLS = ['register', 'list_peers', 'ask_peer', 'await_answer', 'reply_to_peer', 'poll_inbox', 'message_status', 'tell_peer', 'broadcast',
  'subscribe', 'unsubscribe', 'set_summary', 'delegate_task', 'complete_task', 'list_tasks', 'hook_delivery',
  'claim_files', 'release_files', 'list_claims', 'check_edit'];

class CheckFailed extends Error {}

let checks = 0;
function pass(what) {
  checks++;
  console.log(`ok ${checks} - ${what}`);
}
function fail(what, detail) {
  throw new CheckFailed(`${what}${detail === undefined ? '' : `\n  got: ${show(detail)}`}`);
}
function check(cond, what, detail) {
  if (!cond) fail(what, detail);
  pass(what);
}
function show(v) {
  try {
    return JSON.stringify(v);
  } catch {
    return String(v);
  }
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const isIso = (s) => typeof s === 'string' && /^\d{4}-\d\d-\d\dT/.test(s) && !Number.isNaN(Date.parse(s));
const text = (result) => (result.content ?? []).filter((c) => c.type === 'text').map((c) => c.text).join('\n');

const root = process.argv[2];
if (!root) {
  console.error('usage: node two-peers.mjs <repo-root>');
  process.exit(2);
}
const serverCmd = path.resolve(root, 'bin', 'claude-mesh-server');
if (!fs.existsSync(serverCmd)) {
  console.error(`FAIL: ${serverCmd} does not exist; pass the repository root as the first argument`);
  process.exit(1);
}

const tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'claude-mesh-interop-')));
const dbPath = path.join(tmp, 'mesh.db');
const dirs = { frontend: path.join(tmp, 'frontend'), backend: path.join(tmp, 'backend') };
for (const d of Object.values(dirs)) fs.mkdirSync(d);

/** One server per peer, each with its own SDK client; stderr is kept for the failure report. */
function peer(name) {
  const env = { ...process.env, MESH_DB_PATH: dbPath, CLAUDE_PROJECT_DIR: dirs[name] };
  delete env.CLAUDE_MESH_PROJECT_PATH; // would override CLAUDE_PROJECT_DIR if the caller happens to set it
  const transport = new StdioClientTransport({ command: serverCmd, args: [], env, stderr: 'pipe', cwd: dirs[name] });
  const log = [];
  transport.stderr.on('data', (b) => log.push(b.toString()));
  const client = new Client({ name: `interop-${name}`, version: '0.0.0' });
  const call = (tool, args = {}) =>
    client.callTool({ name: tool, arguments: args }, undefined, { timeout: REQUEST_TIMEOUT_MS });
  return { name, transport, client, call, log };
}

const frontend = peer('frontend');
const backend = peer('backend');

async function closeAll() {
  for (const p of [frontend, backend]) {
    const started = Date.now();
    try {
      await p.client.close();
    } catch (e) {
      console.log(`# closing ${p.name} failed: ${e}`);
    }
    console.log(`# ${p.name} client closed in ${Date.now() - started} ms`);
  }
}

async function expectOk(p, tool, args) {
  const r = await p.call(tool, args);
  if (r.isError) fail(`${p.name} ${tool}(${show(args)}) should succeed`, r);
  if (!r.structuredContent || typeof r.structuredContent !== 'object') {
    fail(`${p.name} ${tool}(${show(args)}) should return structuredContent`, r);
  }
  return r;
}

async function main() {
  // --- connect both servers and look at their tools
  for (const p of [frontend, backend]) {
    await p.client.connect(p.transport, { timeout: REQUEST_TIMEOUT_MS });
    const info = p.client.getServerVersion();
    check(info?.name === 'claude-mesh', `${p.name}: initialize handshake done, serverInfo.name is claude-mesh`, info);
    check(p.client.getServerCapabilities()?.tools !== undefined, `${p.name}: server declares the tools capability`,
      p.client.getServerCapabilities());
    const { tools } = await p.client.listTools(undefined, { timeout: REQUEST_TIMEOUT_MS });
    const names = tools.map((t) => t.name).sort();
    check(show(names) === show([...TOOLS].sort()), `${p.name}: listTools has exactly the ${TOOLS.length} tools`, names);
    // hook_delivery answers Claude Code's mcp_tool hooks, whose result is read as text alone (hook JSON), so it
    // declares no output schema; every tool a model calls for data has one.
    for (const t of tools.filter((t) => t.name !== 'hook_delivery')) {
      check(t.outputSchema?.type === 'object' && typeof t.outputSchema.properties === 'object',
        `${p.name}: tool ${t.name} has an object outputSchema`, t.outputSchema);
    }
  }

  // --- list_peers: frontend sees backend, active
  {
    const r = await expectOk(frontend, 'list_peers', {});
    const sc = r.structuredContent;
    check(sc.self === 'frontend', 'list_peers: structuredContent.self is frontend', sc);
    check(Array.isArray(sc.peers), 'list_peers: structuredContent.peers is an array', sc);
    check(sc.peers.length === 1 && sc.peers[0].name === 'backend',
      'list_peers: the only other peer is backend (self is not listed)', sc.peers);
    const b = sc.peers[0];
    check(b.status === 'active', 'list_peers: backend status is active', b);
    check(b.project_path === dirs.backend, `list_peers: backend project_path is ${dirs.backend}`, b);
    check(typeof b.summary === 'string', 'list_peers: backend summary is a string', b);
    check(isIso(b.last_seen), 'list_peers: backend last_seen is an ISO-8601 timestamp', b);
  }

  // --- empty inbox
  {
    const r = await expectOk(backend, 'poll_inbox', {});
    check(Array.isArray(r.structuredContent.items) && r.structuredContent.items.length === 0,
      'poll_inbox: backend inbox starts empty (items: [])', r.structuredContent);
  }

  // --- ask_peer frontend -> backend, answered while it waits
  const question = 'Which port does the API listen on? (interop test)';
  const answer = 'Port 8080, over plain HTTP. (interop answer)';
  const askStarted = Date.now();
  // Not awaited yet: the call blocks until backend replies. Settle it into a value so an early rejection
  // is not an unhandled one.
  const pendingAsk = frontend.call('ask_peer', { to: 'backend', question })
    .then((result) => ({ result }), (error) => ({ error }));

  let items = [];
  const pollDeadline = Date.now() + POLL_DEADLINE_MS;
  let polls = 0;
  while (items.length === 0) {
    if (Date.now() > pollDeadline) fail(`poll_inbox: backend saw no question within ${POLL_DEADLINE_MS} ms`);
    const r = await expectOk(backend, 'poll_inbox', {});
    items = r.structuredContent.items;
    polls++;
    if (items.length === 0) await sleep(100);
    else {
      check(typeof r.structuredContent.note === 'string' && r.structuredContent.note.length > 0,
        'poll_inbox: a non-empty inbox carries the untrusted-peer-text note', r.structuredContent);
    }
  }
  check(items.length === 1, `poll_inbox: backend got exactly one item (after ${polls} poll(s))`, items);
  const item = items[0];
  check(item.kind === 'question', "poll_inbox: items[0].kind is 'question'", item);
  check(item.from === 'frontend', "poll_inbox: items[0].from is 'frontend'", item);
  check(item.body === question, 'poll_inbox: items[0].body is the question text', item);
  check(typeof item.id === 'string' && item.id.startsWith('q_'), "poll_inbox: items[0].id starts with 'q_'", item);
  check(isIso(item.sent_at), 'poll_inbox: items[0].sent_at is an ISO-8601 timestamp', item);
  const qid = item.id;

  {
    const r = await expectOk(backend, 'poll_inbox', {});
    check(r.structuredContent.items.length === 0, 'poll_inbox: the question is returned only once', r.structuredContent);
  }

  {
    const r = await expectOk(backend, 'reply_to_peer', { question_id: qid, answer });
    const sc = r.structuredContent;
    check(sc.status === 'delivered', "reply_to_peer: structuredContent.status is 'delivered'", sc);
    check(sc.question_id === qid, 'reply_to_peer: structuredContent.question_id is the question id', sc);
  }

  {
    const settled = await pendingAsk;
    if (settled.error) fail('ask_peer: the waiting call should resolve after the reply', String(settled.error));
    const r = settled.result;
    check(!r.isError, `ask_peer: resolved without error after ${Date.now() - askStarted} ms`, r);
    const sc = r.structuredContent ?? {};
    check(sc.status === 'answered', "ask_peer: structuredContent.status is 'answered'", sc);
    check(sc.from === 'backend', "ask_peer: structuredContent.from is 'backend'", sc);
    check(sc.answer === answer, 'ask_peer: structuredContent.answer is the reply text', sc);
    check(sc.question_id === qid, 'ask_peer: structuredContent.question_id matches the polled id', sc);
    check(typeof sc.note === 'string' && sc.note.length > 0, 'ask_peer: structuredContent.note (untrusted text) is set', sc);
    check(text(r).includes(answer), 'ask_peer: the text content carries the answer too', text(r));
  }

  // --- errors
  {
    const r = await backend.call('reply_to_peer', { question_id: qid, answer: 'again' });
    check(r.isError === true, 'reply_to_peer twice: isError', r);
    check(/already answered/i.test(text(r)), "reply_to_peer twice: text mentions 'already answered'", text(r));
  }
  {
    const r = await frontend.call('ask_peer', { to: 'nobody', question: 'Anyone there?' });
    check(r.isError === true, "ask_peer to 'nobody': isError", r);
    check(text(r).length > 0, `ask_peer to 'nobody': says why (${text(r)})`, r);
  }
  {
    const r = await frontend.call('ask_peer', { to: 'frontend', question: 'Talking to myself?' });
    check(r.isError === true, 'ask_peer to self: isError', r);
    check(text(r).length > 0, `ask_peer to self: says why (${text(r)})`, r);
  }

  // --- timeout, then a late reply
  let expiredId;
  {
    const started = Date.now();
    const r = await expectOk(frontend, 'ask_peer', { to: 'backend', question: 'Nobody will answer this in time.', timeout_seconds: 1 });
    const waited = Date.now() - started;
    const sc = r.structuredContent;
    check(sc.status === 'timed_out', `ask_peer timeout_seconds=1: structuredContent.status is 'timed_out' (after ${waited} ms)`, sc);
    check(waited >= 900, 'ask_peer timeout_seconds=1: it waited about a second', waited);
    check(sc.from === 'backend', "ask_peer timeout_seconds=1: structuredContent.from is 'backend'", sc);
    check(typeof sc.question_id === 'string' && sc.question_id.startsWith('q_') && sc.question_id !== qid,
      'ask_peer timeout_seconds=1: structuredContent.question_id is a new q_ id', sc);
    check(sc.answer === undefined, 'ask_peer timeout_seconds=1: no answer field', sc);
    expiredId = sc.question_id;
  }
  {
    const r = await expectOk(backend, 'poll_inbox', {});
    check(!r.structuredContent.items.some((i) => i.id === expiredId),
      'poll_inbox: the timed-out question is not delivered to backend afterwards', r.structuredContent);
  }
  {
    const r = await backend.call('reply_to_peer', { question_id: expiredId, answer: 'Too late?' });
    check(r.isError === true, 'reply_to_peer to the timed-out question: isError', r);
    check(/expired/i.test(text(r)), "reply_to_peer to the timed-out question: text mentions 'expired'", text(r));
  }

  // --- tell_peer: a one-way message, in the recipient's inbox once
  {
    const message = 'The API moved to /v2. (interop message)';
    const r = await expectOk(frontend, 'tell_peer', { to: 'backend', message });
    const sc = r.structuredContent;
    check(sc.status === 'sent', "tell_peer to an active peer: structuredContent.status is 'sent'", sc);
    check(typeof sc.message_id === 'string' && sc.message_id.startsWith('m_'),
      "tell_peer: structuredContent.message_id starts with 'm_'", sc);
    const items = await inbox(backend);
    check(items.length === 1 && items[0].id === sc.message_id, 'poll_inbox: backend got exactly the message', items);
    const m = items[0];
    check(m.kind === 'message', "poll_inbox: message item kind is 'message'", m);
    check(m.from === 'frontend', "poll_inbox: message item from is 'frontend'", m);
    check(m.body === message, 'poll_inbox: message item body is the message text', m);
    check(isIso(m.sent_at), 'poll_inbox: message item sent_at is an ISO-8601 timestamp', m);
    check((await inbox(backend)).length === 0, 'poll_inbox: the message is returned only once');
  }

  // --- subscribe, then a broadcast to that topic
  {
    const topic = 'deploys';
    const sub = await expectOk(backend, 'subscribe', { topic });
    check(show(sub.structuredContent.topics) === show([topic]), `subscribe: structuredContent.topics is ['${topic}']`,
      sub.structuredContent);
    const message = 'v1.4 rolls out at noon. (interop broadcast)';
    const r = await expectOk(frontend, 'broadcast', { message, topic });
    const sc = r.structuredContent;
    check(typeof sc.message_id === 'string' && sc.message_id.startsWith('b_'),
      "broadcast: structuredContent.message_id starts with 'b_'", sc);
    check(show(sc.recipients) === show(['backend']), "broadcast to the topic: structuredContent.recipients is ['backend']", sc);
    const items = await inbox(backend);
    check(items.length === 1 && items[0].id === sc.message_id, 'poll_inbox: backend got exactly the broadcast', items);
    const b = items[0];
    check(b.kind === 'broadcast', "poll_inbox: broadcast item kind is 'broadcast'", b);
    check(b.topic === topic, `poll_inbox: broadcast item topic is '${topic}'`, b);
    check(b.from === 'frontend' && b.body === message, 'poll_inbox: broadcast item from and body', b);
    check((await inbox(frontend)).length === 0, 'poll_inbox: the sender does not get its own broadcast');
    const unsub = await expectOk(backend, 'unsubscribe', { topic });
    check(show(unsub.structuredContent.topics) === show([]), 'unsubscribe: structuredContent.topics is []', unsub.structuredContent);
  }

  // --- delegate_task -> task at the assignee -> complete_task -> task_result at the delegator
  {
    const description = 'Add an index on orders.customer_id. (interop task)';
    const d = await expectOk(frontend, 'delegate_task', { to: 'backend', description, context: 'Keep the migration reversible.' });
    const taskId = d.structuredContent.task_id;
    check(typeof taskId === 'string' && taskId.startsWith('t_'), "delegate_task: structuredContent.task_id starts with 't_'",
      d.structuredContent);
    check(d.structuredContent.status === 'pending', "delegate_task: structuredContent.status is 'pending'", d.structuredContent);

    const items = await inbox(backend);
    check(items.length === 1, 'poll_inbox: backend got exactly one item, the task', items);
    const t = items[0];
    check(t.kind === 'task' && t.task_id === taskId, "poll_inbox: task item kind is 'task' with the task_id", t);
    check(t.from === 'frontend' && t.body.includes(description), 'poll_inbox: task item from and description', t);

    const result = 'Index added in V7__orders_customer_idx.sql. (interop result)';
    const c = await expectOk(backend, 'complete_task', { task_id: taskId, status: 'completed', result });
    check(c.structuredContent.task_id === taskId && c.structuredContent.status === 'completed',
      "complete_task: structuredContent is the task_id with status 'completed'", c.structuredContent);

    const results = await inbox(frontend);
    check(results.length === 1, 'poll_inbox: frontend got exactly one item, the task result', results);
    const tr = results[0];
    check(tr.kind === 'task_result', "poll_inbox: result item kind is 'task_result'", tr);
    check(tr.task_id === taskId, 'poll_inbox: result item task_id is the task', tr);
    check(tr.status === 'completed', "poll_inbox: result item status is 'completed'", tr);
    check(tr.result === result, 'poll_inbox: result item result is the result text', tr);
    check(tr.from === 'backend', "poll_inbox: result item from is 'backend'", tr);

    const again = await backend.call('complete_task', { task_id: taskId, status: 'completed', result: 'again' });
    check(again.isError === true, 'complete_task twice: isError', again);

    const l = await expectOk(frontend, 'list_tasks', {});
    const mine = (l.structuredContent.delegated ?? []).find((x) => x.task_id === taskId);
    check(mine !== undefined && mine.to === 'backend' && mine.status === 'completed' && mine.result === result,
      'list_tasks: the delegated task is listed as completed with its result', l.structuredContent);
  }
}

/** One poll_inbox call's items. */
async function inbox(p) {
  const r = await expectOk(p, 'poll_inbox', {});
  if (!Array.isArray(r.structuredContent.items)) fail(`${p.name} poll_inbox: structuredContent.items is not an array`, r);
  return r.structuredContent.items;
}

let code = 0;
try {
  await main();
  console.log(`PASS: all ${checks} checks passed`);
} catch (e) {
  code = 1;
  console.log(`FAIL: ${e instanceof CheckFailed ? e.message : e?.stack ?? e}`);
  for (const p of [frontend, backend]) {
    console.log(`--- ${p.name} server stderr ---\n${p.log.join('').trimEnd() || '(empty)'}`);
  }
  console.log(`(temp dir kept: ${tmp})`);
} finally {
  await closeAll();
}
if (code === 0) fs.rmSync(tmp, { recursive: true, force: true });
process.exit(code);
