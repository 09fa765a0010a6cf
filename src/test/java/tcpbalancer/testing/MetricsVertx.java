package tcpbalancer.testing;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import tcpbalancer.admin.Metrics;

/** A Vert.x whose metrics are on, as the launcher builds it when a verticle has an admin endpoint. */
public final class MetricsVertx {

  private MetricsVertx() {
  }

  /** A new Vert.x with metrics on; the caller closes it. */
  public static Vertx create() {
    VertxOptions options = new VertxOptions();
    VertxBuilder builder = Vertx.builder();
    PrometheusMeterRegistry registry = Metrics.enable(options, builder);
    Vertx vertx = builder.build();
    Metrics.attach(vertx, registry);
    return vertx;
  }
}
