package tcpbalancer.backend;

import io.vertx.core.Vertx;
import tcpbalancer.admin.Metrics;
import tcpbalancer.protocol.ResizeResponse;

/**
 * What one backend deployment records of the requests it answers, for {@code /metrics} (docs/admin.md): meters
 * when this Vert.x's metrics are on ({@link BackendMeters}), else {@link #OFF}, which costs a request nothing.
 */
interface BackendMetrics {

  /** Metrics are off: nothing is recorded. */
  BackendMetrics OFF = new BackendMetrics() {
    @Override
    public void answered(Request request, ResizeResponse response, int frameBytes) {
    }

    @Override
    public void remove() {
    }
  };

  /** The meters of the deployment {@code options} configures, whose limits are {@code limits}, or {@link #OFF}. */
  static BackendMetrics of(Vertx vertx, BackendOptions options, BackendLimits limits) {
    return Metrics.registry(vertx)
      .<BackendMetrics>map(registry -> new BackendMeters(registry, options.name(), limits))
      .orElse(OFF);
  }

  /** {@code request} was answered with {@code response}, a frame of {@code frameBytes} bytes. */
  void answered(Request request, ResizeResponse response, int frameBytes);

  /** The deployment is stopping: its meters leave the registry. */
  void remove();
}
