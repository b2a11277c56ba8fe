#!/usr/bin/env node
// The smallest useful stdio MCP server written with the official TypeScript SDK: one tool, nothing else.
// The benchmark suite (bench --only memory) runs ten of these beside ten idle claude-mesh servers, as the
// yardstick for what a session's MCP server costs in memory.
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { z } from 'zod';

const server = new McpServer({ name: 'minimal', version: '0.0.0' });
server.registerTool('echo', { description: 'Returns its text.', inputSchema: { text: z.string() } },
  async ({ text }) => ({ content: [{ type: 'text', text }] }));
await server.connect(new StdioServerTransport());
