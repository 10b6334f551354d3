import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

const webRoot = fileURLToPath(new URL('.', import.meta.url));
const outDir = fileURLToPath(new URL('../dist/web', import.meta.url));

/**
 * Two builds from one config. The default mode builds the page served at `/` (hashed assets,
 * cached for good, so the strict CSP can say `script-src 'self'`). `--mode app` builds the MCP
 * App view: one self-contained HTML file, because a host renders it from a resource, with no
 * server to fetch scripts from.
 */
export default defineConfig(({ mode }) => {
  const app = mode === 'app';
  return {
    root: webRoot,
    base: '/',
    publicDir: false,
    logLevel: 'warn',
    build: {
      outDir: app ? `${outDir}/app` : outDir,
      emptyOutDir: true,
      target: 'es2022',
      modulePreload: { polyfill: false },
      assetsInlineLimit: app ? Number.MAX_SAFE_INTEGER : 4096,
      cssCodeSplit: !app,
      rollupOptions: {
        input: app ? `${webRoot}/mcp-app.html` : `${webRoot}/index.html`,
        output: app ? { codeSplitting: false } : {},
      },
    },
    plugins: app ? [inlineIntoHtml()] : [],
  };
});

/** Puts the built script and stylesheet inside the HTML file, and drops the separate files. */
function inlineIntoHtml(): Plugin {
  return {
    name: 'mcp-chat-inline-into-html',
    enforce: 'post',
    generateBundle(_options, bundle) {
      const html = Object.values(bundle).find((item) => item.fileName.endsWith('.html'));
      if (html?.type !== 'asset') return;
      let text = String(html.source);
      for (const [name, item] of Object.entries(bundle)) {
        if (item.type === 'chunk') {
          const tag = new RegExp(`<script[^>]*src="/${escapeRegExp(name)}"[^>]*></script>`);
          // `</script` inside the code would end the element early.
          const code = item.code.replaceAll('</script', '<\\/script');
          text = text.replace(tag, () => `<script type="module">${code}</script>`);
          delete bundle[name];
        } else if (name.endsWith('.css')) {
          const tag = new RegExp(`<link[^>]*href="/${escapeRegExp(name)}"[^>]*>`);
          text = text.replace(tag, () => `<style>${String(item.source)}</style>`);
          delete bundle[name];
        }
      }
      html.source = text;
    },
  };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
