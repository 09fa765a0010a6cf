package tcpbalancer.proxy.requests;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.vertx.core.Vertx;
import io.vertx.core.shareddata.Shareable;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import tcpbalancer.admin.Metrics;
import tcpbalancer.proxy.UpstreamState;

/**
 * The per-backend meters of request mode (docs/admin.md): requests sent, requests in flight, resends. Shared by
 * every instance of one proxy (the counters are Micrometer's, which are thread-safe, and each in-flight gauge
 * reads one shared number); a Vert.x without metrics gets {@link #NONE}. Labels: the proxy's name and backend
 * addresses only, so bounded.
 */
class RequestMeters {

  /** Every meter name, as Prometheus shows it. */
  static final List<String> NAMES = List.of("tcpbalancer_proxy_upstream_requests_total",
    "tcpbalancer_proxy_upstream_requests_in_flight", "tcpbalancer_proxy_upstream_resends_total",
    "tcpbalancer_proxy_request_bytes_held");

  static final RequestMeters NONE = new RequestMeters(null, null) {
    @Override
    UpstreamMeters of(UpstreamState upstream) {
      return UpstreamMeters.NONE;
    }

    @Override
    void held(long bytes) {
    }
  };

  /** One upstream's meters, held by its {@link BackendLink} for as long as the upstream is in the list. */
  static class UpstreamMeters {

    static final UpstreamMeters NONE = new UpstreamMeters(null, null, null);

    private final Counter requests;
    private final AtomicInteger inFlight;
    private final Counter resends;

    private UpstreamMeters(Counter requests, AtomicInteger inFlight, Counter resends) {
      this.requests = requests;
      this.inFlight = inFlight;
      this.resends = resends;
    }

    void sent() {
      if (requests != null) {
        requests.increment();
        inFlight.incrementAndGet();
      }
    }

    void answered() {
      if (inFlight != null) {
        inFlight.decrementAndGet();
      }
    }

    void resent() {
      if (resends != null) {
        resends.increment();
      }
    }
  }

  private static final class Shared implements Shareable {
    final Map<String, RequestMeters> byProxy = new ConcurrentHashMap<>();
  }

  private final MeterRegistry registry;
  private final Tags proxy;
  /** By address: an upstream re-added (a reload, discovery) counts on in the meters it had. */
  private final Map<String, UpstreamMeters> byAddress = new ConcurrentHashMap<>();
  private final AtomicLong held = new AtomicLong();

  private RequestMeters(MeterRegistry registry, String proxyName) {
    this.registry = registry;
    this.proxy = proxyName == null ? Tags.empty() : Tags.of("proxy", proxyName);
    if (registry != null) {
      Gauge.builder("tcpbalancer.proxy.request.bytes.held", held, AtomicLong::get)
        .description("Request bytes the proxy keeps for resends until their answers, all clients together "
          + "(balance: requests)").tags(proxy).strongReference(true).register(registry);
    }
  }

  /** The meters of the proxy called {@code proxyName}, the same for each of its instances. */
  static RequestMeters of(Vertx vertx, String proxyName) {
    return Metrics.registry(vertx).map(registry -> vertx.sharedData().<String, Shared>getLocalMap(
        "tcpbalancer.proxy.requests.meters").computeIfAbsent("shared", key -> new Shared())
      .byProxy.computeIfAbsent(proxyName, name -> new RequestMeters(registry, name))).orElse(NONE);
  }

  /** The bytes kept for resends grew (or, negative, shrank) by {@code bytes}. */
  void held(long bytes) {
    held.addAndGet(bytes);
  }

  /** The meters of {@code upstream}, for its link to hold (not looked up a request). */
  UpstreamMeters of(UpstreamState upstream) {
    return byAddress.computeIfAbsent(upstream.upstream().address(), this::register);
  }

  private UpstreamMeters register(String address) {
    Tags tags = proxy.and("upstream", address);
    AtomicInteger inFlight = new AtomicInteger();
    Gauge.builder("tcpbalancer.proxy.upstream.requests.in.flight", inFlight, AtomicInteger::get)
      .description("Requests sent to the upstream and not yet answered (balance: requests)").tags(tags)
      .strongReference(true).register(registry);
    return new UpstreamMeters(
      Counter.builder("tcpbalancer.proxy.upstream.requests").description("Requests sent to the upstream, "
        + "resends included (balance: requests)").tags(tags).register(registry),
      inFlight,
      Counter.builder("tcpbalancer.proxy.upstream.resends").description("Requests sent elsewhere after the "
        + "upstream failed them: connection broken or BUSY (balance: requests)").tags(tags).register(registry));
  }
}
