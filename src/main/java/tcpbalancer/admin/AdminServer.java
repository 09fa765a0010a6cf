package tcpbalancer.admin;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.healthchecks.HealthCheckHandler;
import io.vertx.micrometer.PrometheusScrapingHandler;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tcpbalancer.config.Listening;

/**
 * A server's admin endpoint: HTTP on a port of its own, never the data port (see docs/admin.md).
 * <ul>
 *   <li>{@code GET /health}: the process is alive;</li>
 *   <li>{@code GET /ready}: the owner's readiness procedures ({@link Readiness}), 200 or 503 naming the failing one;</li>
 *   <li>{@code GET /metrics}: the Prometheus scrape of {@link Metrics#registry}, 404 when metrics are off;</li>
 *   <li>{@code /api/...}: the routes the owner adds, behind the bearer token when one is set;</li>
 *   <li>pages the owner adds ({@link #addPages}), open like {@code /health}.</li>
 * </ul>
 * Every error is JSON ({@link JsonError}). It announces where it listens through {@link Listening}, as
 * {@code NAME-admin}.
 */
public final class AdminServer {

  private static final Logger log = LoggerFactory.getLogger(AdminServer.class);
  /** The paths served whatever the owner: docs/admin.md documents each (a test checks). */
  public static final String HEALTH = "/health";
  public static final String READY = "/ready";
  public static final String METRICS = "/metrics";
  public static final List<String> ENDPOINTS = List.of(HEALTH, READY, METRICS);

  private final HttpServer server;
  private final Router router;

  private AdminServer(HttpServer server, Router router) {
    this.server = server;
    this.router = router;
  }

  /**
   * Starts the admin endpoint of the server {@code serverName}; {@code api} adds the routes under {@code /api}
   * (a route {@code /upstreams} of it answers {@code /api/upstreams}). Fails when it cannot listen.
   */
  public static Future<AdminServer> start(Vertx vertx, AdminOptions options, String serverName,
                                          HealthChecks readiness, Consumer<Router> api) {
    Router router = Router.router(vertx);
    router.get(HEALTH).handler(context -> context.json(new JsonObject().put("status", "UP")));
    router.get(READY).handler(HealthCheckHandler.createWithHealthChecks(readiness));
    router.get(METRICS).handler(metrics(vertx));
    Router apiRoutes = Router.router(vertx);
    api.accept(apiRoutes);
    if (options.requiresToken()) {
      router.route("/api/*").handler(new BearerToken(options.token()));
    }
    router.route("/api/*").subRouter(apiRoutes);
    router.errorHandler(404, context -> JsonError.send(context, 404,
      "no such endpoint: " + context.request().method() + " " + context.request().path(), null));
    router.errorHandler(405, context -> JsonError.send(context, 405,
      context.request().method() + " is not allowed on " + context.request().path(), null));
    router.errorHandler(500, AdminServer::internalError);
    return vertx.createHttpServer().requestHandler(router).listen(options.port(), options.host())
      .recover(e -> Future.failedFuture(new IllegalStateException(serverName + ": the admin endpoint cannot listen on "
        + options.host() + ":" + options.port() + ": " + e.getMessage(), e)))
      .map(server -> {
        log.info("Admin endpoint of {} on http://{}:{} (/health, /ready, /metrics{}; /api {})", serverName,
          options.host(), server.actualPort(), Metrics.prometheus(vertx).isPresent() ? "" : " off",
          options.requiresToken() ? "needs the bearer token" : "open, loopback only");
        Listening.announce(vertx, serverName + "-admin", options.host(), server.actualPort());
        return new AdminServer(server, router);
      });
  }

  /** The scrape, or 404 when this Vert.x records no metrics (no admin endpoint was configured at its start). */
  private static Handler<RoutingContext> metrics(Vertx vertx) {
    return Metrics.prometheus(vertx).map(PrometheusScrapingHandler::create).orElse(context ->
      JsonError.send(context, 404, "metrics are off: this process started with no admin endpoint configured", null));
  }

  private static void internalError(RoutingContext context) {
    log.warn("Admin request {} {} failed", context.request().method(), context.request().path(), context.failure());
    if (!context.response().ended()) {
      JsonError.send(context, 500, "internal error: " + (context.failure() == null ? "unknown"
        : context.failure().getMessage()), null);
    }
  }

  /**
   * Adds routes outside {@code /api}, such as a status page: they need no token, like {@code /health}, so only
   * read-only ones belong here. A router takes routes while it serves; add them before the owner says it is ready.
   */
  public AdminServer addPages(Consumer<Router> pages) {
    pages.accept(router);
    return this;
  }

  /** The port it listens on (useful when the configured port is 0). */
  public int actualPort() {
    return server.actualPort();
  }

  public Future<Void> close() {
    return server.close();
  }
}
