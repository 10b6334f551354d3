/** A setting of `mcp-chat serve` is wrong: the message names the variable, and the server exits 2. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}
