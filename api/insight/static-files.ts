/**
 * The insight page's files (plain ES modules, HTML and CSS from ui/, copied into
 * dist by the build): served at /ui/ before authentication, as they hold no
 * cluster data; everything they show comes from /ui/api/, which authenticates.
 */
import express, { type Express } from 'express';
import { fileURLToPath } from 'node:url';

/** ui/ beside api/ (in the sources, and in dist/ after the build). */
export const uiDir = fileURLToPath(new URL('../../ui/', import.meta.url));

export function serveInsightPage(app: Express): void {
  app.get(/^\/ui$/, (_req, res) => res.redirect(301, '/ui/'));
  app.use('/ui', (req, res, next) => {
    if (req.path.startsWith('/api/')) {
      next();
      return;
    }
    staticFiles(req, res, next);
  });
}

const staticFiles = express.static(uiDir, { index: 'index.html', fallthrough: true, maxAge: 0 });
