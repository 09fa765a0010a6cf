package tcpbalancer.proxy;

import io.vertx.core.Future;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetSocket;
import tcpbalancer.config.ConfigException;

/**
 * What an active health check asks of an upstream once it is connected, as HAProxy's {@code tcp-check send /
 * expect}: a TCP connect alone passes even when the server behind it is hung (the kernel still accepts), so the
 * default check has the upstream answer a request. {@link HealthChecker} connects, bounds the probe with
 * {@code checkTimeoutMillis} and closes the connection after it.
 */
public sealed interface HealthCheck permits ConnectCheck, ResizeCheck, SendExpectCheck {

  /**
   * Proves that the upstream on {@code socket} answers: completes when it does, fails naming what was wrong.
   * Need not bound its own time nor close the socket.
   */
  Future<Void> probe(NetSocket socket);

  /** The config's {@code check}: {@code "connect"}, {@code "resize"} or {@code {"send": HEX, "expect": HEX}}. */
  static HealthCheck fromJson(Object value, String path) {
    if (value instanceof String text && text.strip().startsWith("{")) {
      try { // an object given as a string: from an environment variable or a system property
        return fromJson(new JsonObject(text), path);
      } catch (DecodeException e) {
        throw new ConfigException(path + ": not a valid JSON object: " + e.getMessage());
      }
    }
    if (value instanceof String name) {
      return switch (name.strip()) {
        case ConnectCheck.NAME -> new ConnectCheck();
        case ResizeCheck.NAME -> new ResizeCheck();
        default -> throw new ConfigException(path + ": must be \"" + ConnectCheck.NAME + "\", \"" + ResizeCheck.NAME
          + "\" or an object {\"send\": HEX, \"expect\": HEX}, got '" + name + "'");
      };
    }
    if (value instanceof JsonObject json) {
      return SendExpectCheck.fromJson(json, path);
    }
    throw new ConfigException(path + ": must be \"" + ConnectCheck.NAME + "\", \"" + ResizeCheck.NAME
      + "\" or an object {\"send\": HEX, \"expect\": HEX}, got " + value);
  }
}
