package tcpbalancer.backend;

import io.vertx.core.net.SocketAddress;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tcpbalancer.protocol.ResizeResponse;

/**
 * The backend's request log: one line per answered request at debug level ({@code --loglevel 1}), naming the
 * image, its frame's size, the format asked for, the status and the time from reading to answering.
 */
final class RequestLog {

  private static final Logger log = LoggerFactory.getLogger(RequestLog.class);

  private RequestLog() {
  }

  static void answered(Request request, ResizeResponse response, SocketAddress client) {
    if (!log.isDebugEnabled()) {
      return; // a request costs no string building when the line is off
    }
    long millis = request.receivedNanos() == 0 ? -1
      : TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - request.receivedNanos());
    String format = request.resize() == null ? "-" : request.resize().format();
    if (response.ok()) {
      log.debug("Request {} from {}: name={} bytes={} format={} status={} time_ms={}", request.id(), client,
        request.name(), request.bytes(), format, response.status(), millis);
    } else {
      log.debug("Request {} from {}: name={} bytes={} format={} status={} time_ms={} message={}", request.id(),
        client, request.name(), request.bytes(), format, response.status(), millis, response.message());
    }
  }
}
