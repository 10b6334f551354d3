/**
 * Preloaded into every server under test (with --expose-gc): SIGUSR2 runs a full collection and
 * answers on stderr, so that the benchmark reads memory that live objects hold, not garbage the
 * collector has not reached yet. A benchmark aid only; the product never loads it.
 */
const collect = (globalThis as { gc?: () => void }).gc;
process.on('SIGUSR2', () => {
  // Twice: the first pass runs finalizers and weak callbacks that free more for the second.
  collect?.();
  collect?.();
  process.stderr.write('mcp-chat-bench: gc done\n');
});
