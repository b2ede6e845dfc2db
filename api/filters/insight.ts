/**
 * The insight filter: while an insight page is subscribed to the trail, each
 * request gets a trail entry (who, verb, path, later its code) and runs inside
 * the request context, so the store calls it causes are filed under it. With no
 * page open it only tests one boolean. The page's own requests are not recorded.
 */
import type { NextFunction, Request, Response } from 'express';
import { requestContext } from '../../registry/insight/request-context.js';
import type { RequestTrail } from '../../registry/insight/request-trail.js';
import { userOf } from './authentication.js';
import { infoOf } from './request-info.js';

export function insightFilter(trail: RequestTrail) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (!trail.isRecording || req.path.startsWith('/ui/')) {
      next();
      return;
    }
    const info = infoOf(res);
    const user = userOf(res);
    const entry = trail.begin({
      user: user?.name ?? '',
      groups: user?.groups ?? [],
      userAgent: req.headers['user-agent'] ?? '',
      verb: info?.verb ?? req.method.toLowerCase(),
      uri: req.originalUrl,
      group: info?.group ?? '',
      resource: info?.resource ?? '',
      subresource: info?.subresource ?? '',
      namespace: info?.namespace ?? '',
      name: info?.name ?? '',
    });
    let isDone = false;
    const finish = (): void => {
      if (isDone) return;
      isDone = true;
      trail.finish(entry, res.statusCode);
    };
    res.on('finish', finish);
    res.on('close', finish);
    requestContext.run(entry, next);
  };
}
