package tcpbalancer.admin;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.core.shareddata.Shareable;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The Micrometer registry of a Vert.x whose metrics are on: Vert.x's own meters (servers, clients, event bus,
 * pools, JVM) and ours, which are named {@code tcpbalancer_*}. Metrics are on only for a Vert.x built through
 * {@link #enable}; our code registers meters only when {@link #registry} has one.
 *
 * <pre>
 * VertxOptions options = new VertxOptions();
 * VertxBuilder builder = Vertx.builder();
 * PrometheusMeterRegistry registry = Metrics.enable(options, builder);
 * Vertx vertx = builder.build();
 * Metrics.attach(vertx, registry);
 * </pre>
 */
public final class Metrics {

  private static final String MAP = "tcpbalancer.admin.metrics";
  /**
   * Vert.x keeps backend registries in a static map by name: each Vert.x of a JVM (tests run many) gets a name of
   * its own, so that it neither shares another's meters nor closes them when it closes.
   */
  private static final AtomicInteger registries = new AtomicInteger();

  private record Holder(PrometheusMeterRegistry registry) implements Shareable {
  }

  private Metrics() {
  }

  /**
   * Turns metrics on in {@code options}, which {@code builder} is then given, with a Prometheus registry of its
   * own; returns that registry, to {@link #attach} once the Vert.x is built.
   */
  public static PrometheusMeterRegistry enable(VertxOptions options, VertxBuilder builder) {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    options.setMetricsOptions(new MicrometerMetricsOptions()
      .setEnabled(true)
      .setJvmMetricsEnabled(true)
      .setPrometheusOptions(new VertxPrometheusOptions().setEnabled(true))
      .setRegistryName("tcpbalancer-" + registries.incrementAndGet()));
    builder.with(options).withMetrics(new MicrometerMetricsFactory(registry));
    return registry;
  }

  /** Makes {@code registry}, which {@link #enable} returned for {@code vertx}, what {@link #registry} gives. */
  public static void attach(Vertx vertx, PrometheusMeterRegistry registry) {
    vertx.sharedData().<String, Holder>getLocalMap(MAP).put("registry", new Holder(registry));
  }

  /** Where to register meters, when {@code vertx}'s metrics are on. */
  public static Optional<MeterRegistry> registry(Vertx vertx) {
    return prometheus(vertx).map(registry -> registry);
  }

  /** The registry {@code /metrics} scrapes, when metrics are on. */
  static Optional<PrometheusMeterRegistry> prometheus(Vertx vertx) {
    Holder holder = vertx.sharedData().<String, Holder>getLocalMap(MAP).get("registry");
    return Optional.ofNullable(holder).map(Holder::registry);
  }
}
