package tcpbalancer.proxy.requests;

import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tcpbalancer.proxy.AccessLogFormat;
import tcpbalancer.proxy.EndReason;
import tcpbalancer.proxy.Upstream;

/**
 * The access-log line of one client connection in request mode, written once when it closes to the same logger
 * as connection mode's ({@code tcpbalancer.access}): how many requests it sent, how many sends went to each
 * backend, resends, and answers the proxy gave itself. {@link #OFF} records nothing, for a proxy without an
 * access log. Runs on the connection's event loop.
 */
class RequestAccessEntry {

  static final String LOGGER = "tcpbalancer.access";
  private static final Logger log = LoggerFactory.getLogger(LOGGER);

  /** Used when the access log is off: every call does nothing. */
  static final RequestAccessEntry OFF = new RequestAccessEntry(null, "", "") {
    @Override
    void received() {
    }

    @Override
    void sentTo(Upstream backend) {
    }

    @Override
    void resent() {
    }

    @Override
    void failed() {
    }

    @Override
    void ended(EndReason reason) {
    }

    @Override
    void write() {
    }
  };

  private final AccessLogFormat format;
  private final String proxy;
  private final String client;
  private final long acceptMillis = System.currentTimeMillis();
  private final long acceptNanos = System.nanoTime();
  private final Map<String, Integer> byBackend = new TreeMap<>();
  private long requests;
  private long resends;
  private long failed;
  private EndReason end;

  RequestAccessEntry(AccessLogFormat format, String proxy, String client) {
    this.format = format;
    this.proxy = proxy;
    this.client = client;
  }

  void received() {
    requests++;
  }

  /** Takes the upstream, not its address: the address is a new string, made only when the log is on. */
  void sentTo(Upstream backend) {
    byBackend.merge(backend.address(), 1, Integer::sum);
  }

  void resent() {
    resends++;
  }

  /** The proxy answered a request with an error of its own: no backend could. */
  void failed() {
    failed++;
  }

  /** The proxy ends the connection for {@code reason}; the first reason given is the one logged. */
  void ended(EndReason reason) {
    if (end == null) {
      end = reason;
    }
  }

  void write() {
    long durationMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - acceptNanos);
    EndReason reason = end == null ? EndReason.CLIENT_CLOSED : end;
    if (format == AccessLogFormat.JSON) {
      JsonObject backends = new JsonObject();
      byBackend.forEach(backends::put);
      log.info(new JsonObject().put("start", Instant.ofEpochMilli(acceptMillis).toString()).put("proxy", proxy)
        .put("client", client).put("balance", "requests").put("requests", requests).put("by_backend", backends)
        .put("resends", resends).put("proxy_errors", failed).put("duration_ms", durationMillis).put("end", reason.toString())
        .encode());
    } else {
      log.info("start={} proxy={} client={} balance=requests requests={} by_backend={} resends={} proxy_errors={} "
          + "duration_ms={} end={}", Instant.ofEpochMilli(acceptMillis), proxy, client, requests,
        byBackend.isEmpty() ? "-" : byBackend.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
          .collect(Collectors.joining(",")), resends, failed, durationMillis, reason);
    }
  }
}
