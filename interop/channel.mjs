#!/usr/bin/env node
// Interop check for push delivery: the official TypeScript MCP SDK client, standing in for Claude Code,
// receives claude-mesh items as notifications/claude/channel events.
//
//   node interop/channel.mjs <repo-root>
//
// "backend" runs with MESH_CHANNEL=on and registers a handler for the channel notification; this process plays
// its Claude Code as one that accepts channel events: it runs backend's SessionStart hook (reporting the
// session's transcript) and records each event there as queued and shown, as Claude Code does, which is how
// the server proves its pushes reached the model. "frontend" sends a message, a question and a task. Checks each event's params (content and string-only meta),
// that each item arrives once, and that poll_inbox does not repeat them. Prints the push latency it saw.
// Exits 0 when all checks pass, 1 on the first failure.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { z } from 'zod';
import fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';

const root = process.argv[2];
if (!root) {
  console.error('usage: node channel.mjs <repo-root>');
  process.exit(2);
}
let checks = 0;
function check(cond, what, detail) {
  if (!cond) {
    console.log(`FAIL: ${what}${detail === undefined ? '' : `\n  got: ${JSON.stringify(detail)}`}`);
    throw new Error(what);
  }
  console.log(`ok ${++checks} - ${what}`);
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'claude-mesh-channel-')));
const env = (project, extra = {}) => {
  const dir = path.join(tmp, project);
  fs.mkdirSync(dir, { recursive: true });
  const e = { ...process.env, MESH_DB_PATH: path.join(tmp, 'mesh.db'), CLAUDE_PROJECT_DIR: dir, ...extra };
  delete e.CLAUDE_MESH_PROJECT_PATH;
  return e;
};
const ChannelEvent = z.object({
  method: z.literal('notifications/claude/channel'),
  params: z.object({ content: z.string(), meta: z.record(z.string(), z.unknown()) }),
});

async function connect(name, environment) {
  const client = new Client({ name: `channel-check-${name}`, version: '1.0.0' });
  const transport = new StdioClientTransport({
    command: path.resolve(root, 'bin', 'claude-mesh-server'), args: [], env: environment, stderr: 'pipe',
  });
  await client.connect(transport);
  return client;
}
const call = async (client, name, args) => {
  const r = await client.callTool({ name, arguments: args }, undefined, { timeout: 60_000 });
  if (r.isError) throw new Error(`${name} failed: ${JSON.stringify(r.content)}`);
  return r.structuredContent;
};

const events = [];
let backend;
let frontend;
let code = 1;
try {
  const transcript = path.join(tmp, 'backend-session.jsonl');
  const accepted = (content) => fs.appendFileSync(transcript,
    JSON.stringify({ type: 'queue-operation', operation: 'enqueue', content }) + '\n'
    + JSON.stringify({ type: 'user', message: { role: 'user', content }, isMeta: true }) + '\n');
  backend = await connect('backend', env('backend', { MESH_CHANNEL: 'on' }));
  backend.setNotificationHandler(ChannelEvent, (n) => {
    accepted(n.params.content);
    events.push({ at: performance.now(), params: n.params });
  });
  const started = execFileSync(path.resolve(root, 'bin', 'claude-mesh-session-start'), [], {
    env: env('backend'),
    input: JSON.stringify({ session_id: 'interop', transcript_path: transcript, cwd: path.join(tmp, 'backend'),
      hook_event_name: 'SessionStart', source: 'startup' }),
  }).toString();
  check(started.includes("peer 'backend'"), "backend's SessionStart hook finds its server and records the transcript", started);
  check(backend.getServerCapabilities()?.experimental?.['claude/channel'] !== undefined,
    'backend declares capabilities.experimental["claude/channel"]', backend.getServerCapabilities());
  frontend = await connect('frontend', env('frontend'));

  const sentAt = {};
  sentAt.message = performance.now();
  const m = await call(frontend, 'tell_peer', { to: 'backend', message: 'deploy is done' });
  sentAt.task = performance.now();
  const t = await call(frontend, 'delegate_task', { to: 'backend', description: 'bump the version' });
  sentAt.question = performance.now();
  const asking = call(frontend, 'ask_peer', { to: 'backend', question: 'release notes ready?', timeout_seconds: 60 });

  const deadline = Date.now() + 20_000;
  while (events.length < 3 && Date.now() < deadline) await sleep(10);
  check(events.length === 3, 'three channel events arrived', events);
  for (const e of events) {
    const meta = e.params.meta;
    check(Object.entries(meta).every(([k, v]) => /^[A-Za-z0-9_]+$/.test(k) && typeof v === 'string'),
      `${meta.kind}: meta keys are letters/digits/underscores and values are strings`, meta);
    check(meta.from === 'frontend' && !Number.isNaN(Date.parse(meta.sent_at)), `${meta.kind}: meta has from and sent_at`, meta);
    console.log(`# ${meta.kind} pushed ${(e.at - sentAt[meta.kind]).toFixed(1)} ms after its tool call began`);
  }
  const byKind = Object.fromEntries(events.map((e) => [e.params.meta.kind, e.params]));
  check(byKind.message?.meta.message_id === m.message_id && byKind.message.content.includes('deploy is done'),
    'message event carries its id and text', byKind.message);
  check(byKind.task?.meta.task_id === t.task_id && byKind.task.content.includes('complete_task'),
    'task event carries task_id and says how to finish it', byKind.task);
  const qid = byKind.question?.meta.question_id;
  check(typeof qid === 'string' && qid.startsWith('q_') && byKind.question.content.includes('reply_to_peer'),
    'question event carries question_id and says how to answer', byKind.question);
  check(/<peer_question from="frontend"[^>]* boundary="[0-9a-f]+">/.test(byKind.question.content),
    'question content is framed as untrusted peer text', byKind.question.content);

  const polled = await call(backend, 'poll_inbox', {});
  check(polled.items.length === 0, 'poll_inbox does not repeat pushed items', polled);
  await call(backend, 'reply_to_peer', { question_id: qid, answer: 'yes, in CHANGELOG.md' });
  const answer = await asking;
  check(answer.status === 'answered' && answer.answer === 'yes, in CHANGELOG.md', 'the asker got the answer', answer);
  await sleep(300);
  check(events.length === 3, 'no event was pushed twice', events.map((e) => e.params.meta));
  console.log(`PASS: all ${checks} checks passed`);
  code = 0;
} catch (e) {
  if (!String(e.message).startsWith('FAIL')) console.log(`error: ${e.stack ?? e}`);
} finally {
  await frontend?.close().catch(() => {});
  await backend?.close().catch(() => {});
  if (code === 0) fs.rmSync(tmp, { recursive: true, force: true });
}
process.exit(code);
