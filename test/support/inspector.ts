import { spawn } from 'node:child_process';
import { interopTool, node22 } from '../../scripts/interop-tools.js';

/** The official MCP Inspector's CLI, from interop/ (npm ci --prefix interop), run on Node 22. */
const inspector = interopTool('@modelcontextprotocol/inspector', 'mcp-inspector');
const node = node22();

/** The Inspector's ad-hoc runs default to the 2025 handshake; `modern` speaks 2026-07-28. */
export type InspectorEra = 'legacy' | 'modern';

export interface InspectorRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A hung Inspector must not outlive the test. */
const KILL_AFTER_MS = 20_000;

/**
 * Runs `mcp-inspector --cli URL ...` as a separate process: its own connection (and, in the 2025
 * era, its own session), one method, then exit. `home` keeps its state files out of the real home.
 */
export function runInspector(url: URL, args: string[], home: string): Promise<InspectorRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(node, [inspector.script, '--cli', url.href, ...args], {
      env: { ...process.env, HOME: home },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), KILL_AFTER_MS);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Calls one tool through the Inspector and returns the result's structuredContent. */
export async function inspectorCall(
  url: URL,
  era: InspectorEra,
  tool: string,
  args: Record<string, unknown>,
  home: string,
): Promise<Record<string, unknown>> {
  const run = await runInspector(
    url,
    [
      '--protocol-era',
      era,
      '--format',
      'json',
      '--method',
      'tools/call',
      '--tool-name',
      tool,
      '--tool-args-json',
      JSON.stringify(args),
    ],
    home,
  );
  if (run.code !== 0) {
    throw new Error(`Inspector ${tool} exited with ${run.code}: ${run.stderr.trim() || run.stdout.trim()}`);
  }
  const output = JSON.parse(run.stdout) as { result: { structuredContent: Record<string, unknown> } };
  return output.result.structuredContent;
}

export const inspectorVersion = inspector.version;
