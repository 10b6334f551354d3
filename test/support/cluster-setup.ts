import { clusterUrl, type LocalCluster, startLocalCluster } from './redis-cluster.js';

/**
 * With MCP_CHAT_TEST_ENGINE=redis-cluster (`npm run test:redis`, its last part), the
 * protocol-level tests run their in-process servers on a 3-primary Redis Cluster of their own:
 * started here once for the run, named to the test files in MCP_CHAT_TEST_REDIS_URL, and thrown
 * away at the end. Any other run starts nothing.
 */
export default async function setup(): Promise<(() => Promise<void>) | undefined> {
  if (process.env.MCP_CHAT_TEST_ENGINE !== 'redis-cluster') return undefined;
  const cluster: LocalCluster = await startLocalCluster(3);
  process.env.MCP_CHAT_TEST_REDIS_URL = clusterUrl(cluster);
  return () => cluster.dispose();
}
