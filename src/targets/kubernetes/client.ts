import type * as Kubernetes from '@kubernetes/client-node';
import type { WebSocketHandler } from '@kubernetes/client-node/dist/web-socket-handler.js';
import { lazyRequire } from '../../internal/lazy-require.js';

/** The Kubernetes client library, loaded when a Kubernetes target is first made. */
export const loadKubernetesClient = lazyRequire<typeof Kubernetes>('@kubernetes/client-node');

const loadHandlerModule = lazyRequire<{ WebSocketHandler: typeof WebSocketHandler }>(
  '@kubernetes/client-node/dist/web-socket-handler.js',
);

/** The client's WebSocket handler class (not among the package's exports, so reached by its path). */
export function loadWebSocketHandler(): typeof WebSocketHandler {
  return loadHandlerModule().WebSocketHandler;
}
