package tcpbalancer.backend;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import tcpbalancer.protocol.Frame;
import tcpbalancer.protocol.ResizeResponse;
import tcpbalancer.protocol.Status;

/**
 * The Micrometer meters of one backend deployment, tagged with its name. Every label value comes from a fixed set
 * (status names, three formats, the configured name), never from a request: a client cannot grow the registry.
 * The local workers' gauges ({@link #registerWorkers}) are the Vert.x's, shared by its backends: they carry no
 * backend tag and stay when a deployment stops.
 */
final class BackendMeters implements BackendMetrics {

  static final String REQUESTS = "tcpbalancer.backend.requests";
  static final String IN_PROGRESS = "tcpbalancer.backend.requests.in.progress";
  static final String WAITING = "tcpbalancer.backend.requests.waiting";
  static final String BYTES_HELD = "tcpbalancer.backend.request.bytes.held";
  static final String BYTES_WAITING = "tcpbalancer.backend.request.bytes.waiting";
  static final String RESIZE = "tcpbalancer.backend.resize";
  static final String RECEIVED = "tcpbalancer.backend.received";
  static final String SENT = "tcpbalancer.backend.sent";
  static final String LOCAL_WORKERS = "tcpbalancer.backend.local.workers";
  static final String LOCAL_WORKER_WAITERS = "tcpbalancer.backend.local.worker.waiters";
  /** The formats a resize is counted under; any other result format counts as {@code other}. */
  static final List<String> FORMATS = List.of(ImageResizer.JPEG, ImageResizer.PNG, "other");
  /** Histogram buckets: a small image resizes in milliseconds, a large one in seconds. */
  private static final Duration[] RESIZE_BUCKETS = {Duration.ofMillis(5), Duration.ofMillis(10),
    Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250),
    Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5),
    Duration.ofSeconds(10)};

  private final MeterRegistry registry;
  private final List<Meter> own = new ArrayList<>();
  private final Map<Status, Counter> requests = new EnumMap<>(Status.class);
  private final Map<String, Timer> resizes = new HashMap<>();
  private final Counter received;
  private final Counter sent;

  BackendMeters(MeterRegistry registry, String backend, BackendLimits limits) {
    this.registry = registry;
    for (Status status : Status.values()) {
      requests.put(status, own(Counter.builder(REQUESTS).tag("backend", backend).tag("status", label(status))
        .description("Requests answered, by status").register(registry)));
    }
    for (String format : FORMATS) {
      resizes.put(format, own(Timer.builder(RESIZE).tag("backend", backend).tag("format", format)
        .serviceLevelObjectives(RESIZE_BUCKETS)
        .description("Time a resize worker took to decode, resize and encode an image, by result format")
        .register(registry)));
    }
    received = own(Counter.builder(RECEIVED).baseUnit("bytes").tag("backend", backend)
      .description("Bytes of the request frames answered").register(registry));
    sent = own(Counter.builder(SENT).baseUnit("bytes").tag("backend", backend)
      .description("Bytes of the answer frames written").register(registry));
    own(Gauge.builder(IN_PROGRESS, limits, BackendLimits::inProgress).tag("backend", backend)
      .description("Requests holding one of the backend's maxInFlight slots: at a resize worker or waiting for one")
      .register(registry));
    own(Gauge.builder(WAITING, limits, l -> l.inFlight().waiting()).tag("backend", backend)
      .description("Connections waiting for one of the backend's maxInFlight slots, their reading paused")
      .register(registry));
    own(Gauge.builder(BYTES_HELD, limits, l -> l.bodies().held()).baseUnit("bytes").tag("backend", backend)
      .description("Request bytes held (bodies being received and requests in progress), against maxBufferedBytes")
      .register(registry));
    own(Gauge.builder(BYTES_WAITING, limits, l -> l.bodies().waiting()).tag("backend", backend)
      .description("Connections waiting for room in the request byte budget, their reading paused")
      .register(registry));
  }

  /** The gauges of this Vert.x's {@link LocalWorkers}, registered once with them: they outlive every backend. */
  static void registerWorkers(MeterRegistry registry, LocalWorkers workers) {
    Gauge.builder(LOCAL_WORKERS, workers, LocalWorkers::busy).tag("state", "busy")
      .description("Resize workers of this process, by state").register(registry);
    Gauge.builder(LOCAL_WORKERS, workers, LocalWorkers::idle).tag("state", "idle")
      .description("Resize workers of this process, by state").register(registry);
    Gauge.builder(LOCAL_WORKER_WAITERS, workers, LocalWorkers::waiting)
      .description("Requests waiting for a resize worker of this process to be free").register(registry);
  }

  /** The status as a label value: its name in lower case, such as {@code corrupt_image}. */
  static String label(Status status) {
    return status.name().toLowerCase(Locale.ROOT);
  }

  private <M extends Meter> M own(M meter) {
    own.add(meter);
    return meter;
  }

  @Override
  public void answered(Request request, ResizeResponse response, int frameBytes) {
    requests.get(response.status()).increment();
    received.increment(Frame.HEADER_SIZE + request.bytes());
    sent.increment(frameBytes);
    if (response.ok() && request.resize() != null && !request.resize().dryRun()) {
      String format = resizes.containsKey(response.format()) ? response.format() : "other";
      resizes.get(format).record(response.processingMicros(), TimeUnit.MICROSECONDS);
    }
  }

  @Override
  public void remove() {
    own.forEach(registry::remove);
  }
}
