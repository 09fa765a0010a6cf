package tcpbalancer.proxy;

import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.StaticHandler;
import tcpbalancer.flow.BoundedCounter;

/**
 * The proxy's live status page on its admin endpoint (docs/admin.md, "Status page"): {@code GET /} is the page,
 * shipped in the jar under {@code webroot/status} (no CDN: it works offline), and {@code GET /events} the stream of
 * {@link StatusSnapshot}s it draws from ({@link StatusEvents}). Both are read-only, so open like {@code /health};
 * the page's buttons call {@code /api}, which keeps its token.
 */
final class StatusPage {

  static final String PAGE = "/";
  static final String EVENTS = "/events";
  /** Where the page's files are served from, as the page names them. */
  private static final String FILES = "/status/";
  /** Short: a browser checks again soon after an upgrade of the jar, and a page of three small files costs little. */
  private static final long MAX_AGE_SECONDS = 60;

  private StatusPage() {
  }

  static void mount(Router router, Vertx vertx, ProxyRuntime runtime) {
    router.get(PAGE).handler(context -> context.reroute(FILES + "index.html"));
    router.get(FILES + "*").handler(StaticHandler.create("webroot/status").setMaxAgeSeconds(MAX_AGE_SECONDS));
    BoundedCounter streams = new BoundedCounter();
    router.get(EVENTS).handler(context -> StatusEvents.start(vertx, runtime, context, streams));
  }
}
