import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster } from 'ioredis';
import { freePort } from './process.js';
import { redisServerSkipReason } from './redis.js';

/**
 * A local Redis Cluster of the test's own: three primaries (`redis-server --cluster-enabled yes`)
 * on free loopback ports, each in a temporary directory, joined with `redis-cli --cluster create
 * --cluster-yes`. For the Redis tests and the two-instance tests to run on a cluster, in CI too.
 */
export interface LocalCluster {
  /** Every node, `host:port`, as MCP_CHAT_REDIS_URL=redis+cluster://... lists them. */
  nodes: string[];
  dispose(): Promise<void>;
}

/** Why a cluster cannot be started here, or undefined. Under CI=true a missing binary throws. */
export function redisClusterSkipReason(): string | undefined {
  const server = redisServerSkipReason();
  if (server !== undefined) return server;
  const cli = spawnSync('redis-cli', ['--version'], { encoding: 'utf8' });
  if (cli.status === 0) return undefined;
  const reason = `no redis-cli binary on the PATH (${cli.error?.message ?? cli.stderr})`;
  if (process.env.CI === 'true') throw new Error(`CI=true and ${reason}`);
  console.warn(`Skipping Redis Cluster tests: ${reason}.`);
  return reason;
}

export async function startLocalCluster(primaries = 3): Promise<LocalCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-chat-cluster-'));
  const children: ChildProcess[] = [];
  const nodes: string[] = [];
  const dispose = async () => {
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGKILL');
          }),
      ),
    );
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < primaries; i++) {
      const port = await freePort();
      // biome-ignore format: one option per line reads best.
      const options = [
        '--port', String(port),
        '--bind', '127.0.0.1',
        '--dir', dir,
        '--cluster-enabled', 'yes',
        '--cluster-config-file', `nodes-${port}.conf`,
        '--save', '',
        '--appendonly', 'no',
      ];
      children.push(spawn('redis-server', options, { stdio: 'ignore' }));
      nodes.push(`127.0.0.1:${port}`);
    }
    await Promise.all(nodes.map((node) => untilAnswers(node)));
    const create = spawnSync('redis-cli', ['--cluster', 'create', ...nodes, '--cluster-yes'], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    if (create.status !== 0)
      throw new Error(`redis-cli --cluster create failed: ${create.stdout}${create.stderr}`);
    await untilClusterOk(nodes);
    return { nodes, dispose };
  } catch (error) {
    await dispose();
    throw error;
  }
}

async function untilAnswers(node: string): Promise<void> {
  const [host, port] = node.split(':') as [string, string];
  for (let attempt = 0; attempt < 100; attempt++) {
    const ping = spawnSync('redis-cli', ['-h', host, '-p', port, 'PING'], { encoding: 'utf8' });
    if (ping.stdout.trim() === 'PONG') return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`redis-server at ${node} did not start`);
}

/** Resolves once every node says cluster_state:ok and a client can write through the cluster. */
async function untilClusterOk(nodes: string[]): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const ok = nodes.every((node) => {
      const [host, port] = node.split(':') as [string, string];
      const info = spawnSync('redis-cli', ['-h', host, '-p', port, 'CLUSTER', 'INFO'], { encoding: 'utf8' });
      return info.stdout.includes('cluster_state:ok');
    });
    if (ok) {
      const client = new Cluster(
        nodes.map((node) => ({ host: node.split(':')[0], port: Number(node.split(':')[1]) })),
      );
      client.on('error', () => {});
      try {
        await client.set('cluster-ready-probe', '1');
        await client.del('cluster-ready-probe');
        return;
      } catch {
        // Slots not known everywhere yet.
      } finally {
        client.disconnect();
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the cluster on ${nodes.join(', ')} did not become ready`);
}

/** MCP_CHAT_REDIS_URL for the cluster: every node, as `redis+cluster://host:port,host:port,...`. */
export function clusterUrl(cluster: LocalCluster): string {
  return `redis+cluster://${cluster.nodes.join(',')}`;
}

/**
 * Resolves once some client subscribed to the channel on any node (PUBSUB NUMSUB counts only a
 * node's own subscribers, and a cluster client subscribes through one node of its choice).
 */
export async function untilSubscribedOnCluster(cluster: LocalCluster, channel: string): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const counts = cluster.nodes.map((node) => {
      const [host, port] = node.split(':') as [string, string];
      const reply = spawnSync('redis-cli', ['-h', host, '-p', port, 'PUBSUB', 'NUMSUB', channel], {
        encoding: 'utf8',
      });
      return Number(reply.stdout.trim().split('\n')[1] ?? 0);
    });
    if (counts.some((count) => count > 0)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`nobody subscribed to ${channel}`);
}
