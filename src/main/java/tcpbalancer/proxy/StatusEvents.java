package tcpbalancer.proxy;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.function.Consumer;
import tcpbalancer.admin.JsonError;
import tcpbalancer.flow.BoundedCounter;

/**
 * One browser's {@code GET /events}: a server-sent-events stream of {@link StatusSnapshot}s, one a second and
 * one at once when an upstream goes down or comes back, until the browser goes away. A slow reader misses
 * snapshots rather than queueing them: the next one says everything the skipped one did. The stream is open
 * without a token, so a proxy holds at most {@link #MAX_STREAMS} at once: each costs a snapshot a second.
 */
final class StatusEvents {

  static final long INTERVAL_MILLIS = 1_000;
  /** Far more than the operators' browsers one proxy has; few enough that their snapshots cost little. */
  static final int MAX_STREAMS = 32;
  /** Told when a stream has ended and given its place back: tests wait for it, nothing else listens. */
  static volatile Runnable streamEnded = () -> { };
  /** How long a browser waits before it reconnects to a proxy that went away (EventSource's {@code retry}). */
  private static final long RETRY_MILLIS = 2_000;

  private final Vertx vertx;
  private final ProxyRuntime runtime;
  private final HttpServerResponse response;
  private final BoundedCounter open;
  /** The response's: listeners fire on whatever thread changed the state, and hop here to write. */
  private final Context context;
  private final Consumer<UpstreamState.StateChange> stateChanged;
  /** An operator's drain, ready or maint shows at once too, not at the next tick. */
  private final Consumer<UpstreamState.AdminStateChange> adminStateChanged;
  private final Consumer<List<UpstreamState>> listChanged;
  /** The upstreams {@link #stateChanged} listens to; touched on {@link #context} only. */
  private List<UpstreamState> watched = List.of();
  private long timer = -1;
  private boolean stopped;

  private StatusEvents(Vertx vertx, ProxyRuntime runtime, HttpServerResponse response, BoundedCounter open) {
    this.vertx = vertx;
    this.runtime = runtime;
    this.response = response;
    this.open = open;
    this.context = vertx.getOrCreateContext();
    this.stateChanged = change -> context.runOnContext(v -> send());
    this.adminStateChanged = change -> context.runOnContext(v -> send());
    this.listChanged = upstreams -> context.runOnContext(v -> {
      watch(upstreams);
      send();
    });
  }

  /**
   * Answers the request with the stream, or with 503 when {@code open} counts {@link #MAX_STREAMS} already; called
   * on the request's context.
   */
  static void start(Vertx vertx, ProxyRuntime runtime, RoutingContext context, BoundedCounter open) {
    if (!open.tryIncrement(MAX_STREAMS)) {
      context.response().putHeader(HttpHeaders.RETRY_AFTER, String.valueOf(RETRY_MILLIS / 1_000));
      JsonError.send(context, 503, "the proxy streams /events to " + MAX_STREAMS + " readers already, its most: "
        + "close one (a browser tab of the status page is one)", null);
      return;
    }
    new StatusEvents(vertx, runtime, context.response(), open).start();
  }

  private void start() {
    response.setChunked(true)
      .putHeader(HttpHeaders.CONTENT_TYPE, "text/event-stream; charset=utf-8")
      .putHeader(HttpHeaders.CACHE_CONTROL, "no-cache");
    response.closeHandler(v -> stop());
    response.exceptionHandler(e -> stop());
    response.write("retry: " + RETRY_MILLIS + "\n\n");
    runtime.group().onChange(listChanged);
    watch(runtime.upstreams());
    send();
    timer = vertx.setPeriodic(INTERVAL_MILLIS, id -> send());
  }

  private void watch(List<UpstreamState> upstreams) {
    if (stopped) {
      return;
    }
    unwatch();
    watched = upstreams;
    watched.forEach(upstream -> {
      upstream.onStateChange(stateChanged);
      upstream.onAdminStateChange(adminStateChanged);
    });
  }

  private void send() {
    if (stopped || response.writeQueueFull()) {
      return;
    }
    response.write("data: " + StatusSnapshot.of(runtime).encode() + "\n\n");
  }

  private void stop() {
    if (stopped) {
      return;
    }
    stopped = true;
    open.decrement();
    vertx.cancelTimer(timer);
    runtime.group().removeOnChange(listChanged);
    unwatch();
    watched = List.of();
    streamEnded.run();
  }

  private void unwatch() {
    watched.forEach(upstream -> {
      upstream.removeOnStateChange(stateChanged);
      upstream.removeOnAdminStateChange(adminStateChanged);
    });
  }
}
