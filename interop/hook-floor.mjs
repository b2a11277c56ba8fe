#!/usr/bin/env node
// The floor for an mcp_tool hook: a stdio MCP server, written with the official TypeScript SDK, whose one
// tool takes what claude-mesh's hooks send and answers valid hook output that says nothing ("{}") at once,
// touching no database. The end-to-end figures (FiguresE2E) time Claude Code's mcp_tool hooks on it beside
// claude-mesh's own, so what Claude Code itself spends on such a hook is measured apart from our server's part.
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { z } from 'zod';

const server = new McpServer({ name: 'hook-floor', version: '0.0.0' });
server.registerTool('hook_delivery', {
  description: 'Answers a hook with nothing to add.',
  inputSchema: {
    hook_event_name: z.string(),
    session_id: z.string().optional(),
    transcript_path: z.string().optional(),
    stop_hook_active: z.string().optional(),
  },
}, async () => ({ content: [{ type: 'text', text: '{}' }] }));
await server.connect(new StdioServerTransport());
