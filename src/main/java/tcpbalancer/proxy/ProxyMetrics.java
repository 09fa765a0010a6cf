package tcpbalancer.proxy;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The proxy's meters ({@code tcpbalancer_proxy_*}, docs/admin.md), read from the counters its runtime keeps anyway:
 * a scrape reads them, a connection pays nothing more. Upstreams the list gains or loses (reload, discovery, admin
 * API) gain or lose their meters. Labels are the proxy's name and upstream addresses only: bounded.
 */
final class ProxyMetrics {

  /** Every meter name, as Prometheus shows it (counters get {@code _total} from the registry): docs/admin.md has each. */
  static final List<String> NAMES = List.of(
    "tcpbalancer_proxy_upstream_active_connections", "tcpbalancer_proxy_upstream_connections_total",
    "tcpbalancer_proxy_upstream_connect_failures_total", "tcpbalancer_proxy_upstream_bytes_total",
    "tcpbalancer_proxy_upstream_up", "tcpbalancer_proxy_inbound_active_connections",
    "tcpbalancer_proxy_inbound_queued_connections", "tcpbalancer_proxy_inbound_refused_connections_total");

  private final MeterRegistry registry;
  private final UpstreamGroup group;
  private final Tags proxy;
  private final List<Meter> inbound = new ArrayList<>();
  /** The meters of each upstream with some, keyed by its state: guarded by this object. */
  private final Map<UpstreamState, List<Meter>> upstreamMeters = new HashMap<>();
  private final Consumer<List<UpstreamState>> listChanged = this::follow;

  private ProxyMetrics(MeterRegistry registry, ProxyRuntime runtime) {
    this.registry = registry;
    this.group = runtime.group();
    this.proxy = Tags.of("proxy", runtime.name());
    ConnectionLimiter limiter = runtime.limiter();
    inbound.add(Gauge.builder("tcpbalancer.proxy.inbound.active.connections", limiter, ConnectionLimiter::active)
      .description("Client connections holding one of the proxy's maxConns slots").tags(proxy).strongReference(true)
      .register(registry));
    inbound.add(Gauge.builder("tcpbalancer.proxy.inbound.queued.connections", limiter, ConnectionLimiter::waiting)
      .description("Client connections waiting for a slot").tags(proxy).strongReference(true).register(registry));
    inbound.add(FunctionCounter.builder("tcpbalancer.proxy.inbound.refused.connections", limiter,
        ConnectionLimiter::refused)
      .description("Client connections refused: queue full or queueTimeoutMillis over").tags(proxy)
      .register(registry));
  }

  /** Registers the meters of {@code runtime} in {@code registry} and keeps them in step with its upstream list. */
  static ProxyMetrics register(MeterRegistry registry, ProxyRuntime runtime) {
    ProxyMetrics metrics = new ProxyMetrics(registry, runtime);
    metrics.group.onChange(metrics.listChanged);
    metrics.follow(metrics.group.upstreams());
    return metrics;
  }

  /** Removes every meter this registered: the runtime stopped. */
  synchronized void close() {
    group.removeOnChange(listChanged);
    inbound.forEach(registry::remove);
    upstreamMeters.values().forEach(meters -> meters.forEach(registry::remove));
    upstreamMeters.clear();
  }

  private synchronized void follow(List<UpstreamState> list) {
    upstreamMeters.keySet().removeIf(state -> {
      boolean gone = !list.contains(state);
      if (gone) {
        upstreamMeters.get(state).forEach(registry::remove);
      }
      return gone;
    });
    list.forEach(state -> upstreamMeters.computeIfAbsent(state, this::metersOf));
  }

  private List<Meter> metersOf(UpstreamState state) {
    Tags tags = proxy.and("upstream", state.upstream().address());
    return List.of(
      Gauge.builder("tcpbalancer.proxy.upstream.active.connections", state, UpstreamState::active)
        .description("Connections open to the upstream").tags(tags).strongReference(true).register(registry),
      FunctionCounter.builder("tcpbalancer.proxy.upstream.connections", state, UpstreamState::total)
        .description("Connections made to the upstream").tags(tags).register(registry),
      FunctionCounter.builder("tcpbalancer.proxy.upstream.connect.failures", state, UpstreamState::connectFailures)
        .description("Connects to the upstream that failed or timed out").tags(tags).register(registry),
      FunctionCounter.builder("tcpbalancer.proxy.upstream.bytes", state, UpstreamState::bytesToUpstream)
        .description("Bytes relayed, by direction").tags(tags.and("direction", "to_upstream")).register(registry),
      FunctionCounter.builder("tcpbalancer.proxy.upstream.bytes", state, UpstreamState::bytesFromUpstream)
        .description("Bytes relayed, by direction").tags(tags.and("direction", "from_upstream")).register(registry),
      Gauge.builder("tcpbalancer.proxy.upstream.up", state, ProxyMetrics::up)
        .description("1 when the health checks find the upstream up, 0 when down or unknown (maint)").tags(tags)
        .strongReference(true).register(registry));
  }

  private static double up(UpstreamState state) {
    return state.adminState() != AdminState.MAINT && state.isUp() ? 1 : 0;
  }
}
