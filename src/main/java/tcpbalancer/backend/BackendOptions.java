package tcpbalancer.backend;

import io.vertx.core.json.JsonObject;
import java.util.Set;
import tcpbalancer.admin.AdminOptions;
import tcpbalancer.config.ConfigException;
import tcpbalancer.config.ConfigFields;
import tcpbalancer.config.TlsServerOptions;
import tcpbalancer.protocol.Frame;

/**
 * Settings of a {@link BackendVerticle}, read once from its {@code config()} and validated there.
 *
 * @param host                      address to listen on
 * @param port                      port to listen on; 0 picks a free one
 * @param name                      the name answers carry; defaults to {@code backend:<port>}
 * @param maxFrameSize              largest request body accepted, in bytes
 * @param maxInFlightPerConnection  requests one connection may have in progress before it is paused
 * @param maxInFlight               requests all connections together may have in progress; past it a connection
 *                                  is paused until one finishes
 * @param requestTimeoutMillis      how long a request may wait for a resize worker
 * @param remoteTimeoutMillis       how long one attempt on another node's workers may take before the request
 *                                  is tried elsewhere (within {@code requestTimeoutMillis})
 * @param workerPolicy              which resize workers get the work when the cluster has remote ones
 * @param advertisedHost            the address a clustered backend announces; empty: the listening host, or
 *                                  the node's cluster address when listening on all interfaces
 * @param drainTimeoutMillis        on stop, how long connections may take to finish their requests
 * @param idleTimeoutSeconds        a connection with nothing in progress and no bytes for this long is closed; 0: never
 * @param bodyTimeoutMillis         a frame whose body makes no progress this long is dropped with its connection;
 *                                  0: never
 * @param maxBufferedBytes          request bytes all connections together may hold (bodies being received and
 *                                  requests in progress), at most a quarter of the heap (see {@link BackendLimits})
 * @param admin                     the admin endpoint, one per deployment; null: off
 * @param tls                       TLS on the port, with its certificates; null: plain TCP
 * @param acceptProxy               connections start with a PROXY protocol header (v1 or v2) giving the real
 *                                  client's address, which the logs then show; one without is refused
 */
public record BackendOptions(String host, int port, String name, int maxFrameSize, int maxInFlightPerConnection,
                             int maxInFlight, int requestTimeoutMillis, int remoteTimeoutMillis,
                             WorkerPolicy workerPolicy,
                             String advertisedHost, int drainTimeoutMillis, int idleTimeoutSeconds,
                             int bodyTimeoutMillis, int maxBufferedBytes, AdminOptions admin,
                             TlsServerOptions tls, boolean acceptProxy) {

  public static final String DEFAULT_HOST = "0.0.0.0";
  public static final int DEFAULT_MAX_IN_FLIGHT_PER_CONNECTION = 8;
  public static final int DEFAULT_MAX_IN_FLIGHT = 64;
  public static final int DEFAULT_REQUEST_TIMEOUT_MILLIS = 20_000;
  public static final int DEFAULT_REMOTE_TIMEOUT_MILLIS = 8_000;
  public static final int DEFAULT_DRAIN_TIMEOUT_MILLIS = 10_000;
  public static final int DEFAULT_IDLE_TIMEOUT_SECONDS = 300;
  public static final int DEFAULT_BODY_TIMEOUT_MILLIS = 30_000;
  public static final int DEFAULT_MAX_BUFFERED_BYTES = 256 * 1024 * 1024;
  /** How long a connection may take to send its PROXY protocol header, with {@code acceptProxy}. */
  public static final int PROXY_HEADER_TIMEOUT_MILLIS = 10_000;
  public static final Set<String> KEYS = Set.of("host", "port", "name", "maxFrameSize", "maxInFlightPerConnection",
    "maxInFlight", "requestTimeoutMillis", "remoteTimeoutMillis", "workerPolicy", "advertisedHost",
    "drainTimeoutMillis", "idleTimeoutSeconds", "bodyTimeoutMillis", "maxBufferedBytes", "admin", "tls",
    "acceptProxy");

  public static BackendOptions fromJson(JsonObject json, String path) {
    ConfigFields fields = new ConfigFields(json, path);
    fields.rejectUnknownKeys(KEYS);
    if (json == null || json.getValue("port") == null) {
      throw new ConfigException(fields.path("port") + ": required (the port to listen on)");
    }
    int port = fields.integer("port", 0, 0, 65535);
    return new BackendOptions(
      fields.string("host", DEFAULT_HOST),
      port,
      fields.string("name", defaultName(json)),
      fields.integer("maxFrameSize", Frame.DEFAULT_MAX_BODY_SIZE, 1024, Integer.MAX_VALUE),
      fields.integer("maxInFlightPerConnection", DEFAULT_MAX_IN_FLIGHT_PER_CONNECTION, 1, 4096),
      fields.integer("maxInFlight", DEFAULT_MAX_IN_FLIGHT, 1, 1_000_000),
      fields.integer("requestTimeoutMillis", DEFAULT_REQUEST_TIMEOUT_MILLIS, 1, Integer.MAX_VALUE),
      fields.integer("remoteTimeoutMillis", DEFAULT_REMOTE_TIMEOUT_MILLIS, 1, Integer.MAX_VALUE),
      fields.named("workerPolicy", WorkerPolicy.class, WorkerPolicy.PREFER_LOCAL),
      fields.string("advertisedHost", ""),
      fields.integer("drainTimeoutMillis", DEFAULT_DRAIN_TIMEOUT_MILLIS, 0, 3_600_000),
      fields.integer("idleTimeoutSeconds", DEFAULT_IDLE_TIMEOUT_SECONDS, 0, 86_400),
      fields.integer("bodyTimeoutMillis", DEFAULT_BODY_TIMEOUT_MILLIS, 0, 3_600_000),
      fields.integer("maxBufferedBytes", DEFAULT_MAX_BUFFERED_BYTES, 1024, Integer.MAX_VALUE),
      AdminOptions.fromJson(json.getValue("admin"), fields.path("admin"), port, System.getenv()),
      TlsServerOptions.fromJson(json.getValue("tls"), fields.path("tls")),
      fields.bool("acceptProxy", false));
  }

  private static String defaultName(JsonObject json) {
    return "backend:" + json.getValue("port");
  }
}
