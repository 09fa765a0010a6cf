package tcpbalancer.proxy;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import tcpbalancer.admin.AdminOptions;
import tcpbalancer.config.ConfigException;
import tcpbalancer.config.ConfigFields;

/**
 * Settings of a {@link ProxyVerticle}, read once from its {@code config()} and validated there. See
 * docs/configuration.md for each key's meaning; {@code admin} is null when the admin endpoint is off.
 */
public record ProxyOptions(
  String host, int port, String name, List<Upstream> upstreams, Strategy strategy,
  int maxConns, int queueSize, int queueTimeoutMillis,
  int connectTimeoutMillis, int idleTimeoutSeconds, int retries,
  int failuresBeforeDown, HealthCheck check, int checkIntervalMillis, int checkTimeoutMillis, int rise, int fall,
  boolean closeWhenDown,
  int drainTimeoutMillis, int statsIntervalMillis, boolean accessLog, AccessLogFormat accessLogFormat,
  AdminOptions admin, ProxyTls tls, boolean acceptProxy, int finTimeoutMillis, Balance balance,
  int slowStartMillis) {

  public static final String DEFAULT_HOST = "0.0.0.0";
  public static final Strategy DEFAULT_STRATEGY = Strategy.ROUND_ROBIN;
  public static final int DEFAULT_MAX_CONNS = 10_000;
  public static final int DEFAULT_QUEUE_SIZE = 1_000;
  public static final int DEFAULT_QUEUE_TIMEOUT_MILLIS = 5_000;
  public static final int DEFAULT_CONNECT_TIMEOUT_MILLIS = 2_000;
  public static final int DEFAULT_IDLE_TIMEOUT_SECONDS = 300;
  public static final int DEFAULT_RETRIES = 3;
  public static final int DEFAULT_FAILURES_BEFORE_DOWN = 3;
  /** This proxy fronts tcpbalancer backends: by default they must answer a dry-run resize request. */
  public static final HealthCheck DEFAULT_CHECK = new ResizeCheck();
  public static final int DEFAULT_CHECK_INTERVAL_MILLIS = 2_000;
  public static final int DEFAULT_CHECK_TIMEOUT_MILLIS = 1_000;
  public static final int DEFAULT_RISE = 2;
  public static final int DEFAULT_FALL = 3;
  public static final boolean DEFAULT_CLOSE_WHEN_DOWN = true;
  public static final int DEFAULT_DRAIN_TIMEOUT_MILLIS = 10_000;
  public static final int DEFAULT_STATS_INTERVAL_MILLIS = 10_000;
  public static final boolean DEFAULT_ACCESS_LOG = false;
  public static final AccessLogFormat DEFAULT_ACCESS_LOG_FORMAT = AccessLogFormat.TEXT;
  public static final boolean DEFAULT_ACCEPT_PROXY = false;
  public static final int DEFAULT_FIN_TIMEOUT_MILLIS = 30_000;
  /** How long an accepted connection may take to send its PROXY protocol header, with {@code acceptProxy}. */
  public static final int PROXY_HEADER_TIMEOUT_MILLIS = 10_000;
  public static final Balance DEFAULT_BALANCE = Balance.CONNECTIONS;
  /** Slow start is off: an upstream that comes back up gets its full weight at once. */
  public static final int DEFAULT_SLOW_START_MILLIS = 0;
  public static final Set<String> KEYS = Set.of("host", "port", "name", "upstreams", "strategy", "maxConns",
    "queueSize", "queueTimeoutMillis", "connectTimeoutMillis", "idleTimeoutSeconds", "retries",
    "failuresBeforeDown", "check", "checkIntervalMillis", "checkTimeoutMillis", "rise", "fall", "closeWhenDown",
    "drainTimeoutMillis", "statsIntervalMillis", "accessLog", "accessLogFormat", "admin", "tls", "upstreamTls",
    "acceptProxy", "finTimeoutMillis", "balance", "slowStartMillis");

  public static ProxyOptions fromJson(JsonObject json, String path) {
    JsonObject config = json == null ? new JsonObject() : json;
    ConfigFields fields = new ConfigFields(config, path);
    fields.rejectUnknownKeys(KEYS);
    if (config.getValue("port") == null) {
      throw new ConfigException(fields.path("port") + ": required (the port to listen on)");
    }
    int port = fields.integer("port", 0, 0, 65535);
    return new ProxyOptions(
      fields.string("host", DEFAULT_HOST),
      port,
      fields.string("name", "proxy:" + port),
      upstreams(config.getValue("upstreams"), fields.path("upstreams")),
      fields.named("strategy", Strategy.class, DEFAULT_STRATEGY),
      fields.integer("maxConns", DEFAULT_MAX_CONNS, 1, 1_000_000),
      fields.integer("queueSize", DEFAULT_QUEUE_SIZE, 0, 1_000_000),
      fields.integer("queueTimeoutMillis", DEFAULT_QUEUE_TIMEOUT_MILLIS, 1, 3_600_000),
      fields.integer("connectTimeoutMillis", DEFAULT_CONNECT_TIMEOUT_MILLIS, 1, 600_000),
      fields.integer("idleTimeoutSeconds", DEFAULT_IDLE_TIMEOUT_SECONDS, 0, 86_400),
      fields.integer("retries", DEFAULT_RETRIES, 0, 100),
      fields.integer("failuresBeforeDown", DEFAULT_FAILURES_BEFORE_DOWN, 1, 1000),
      config.getValue("check") == null ? DEFAULT_CHECK : HealthCheck.fromJson(config.getValue("check"),
        fields.path("check")),
      fields.integer("checkIntervalMillis", DEFAULT_CHECK_INTERVAL_MILLIS, 10, 3_600_000),
      fields.integer("checkTimeoutMillis", DEFAULT_CHECK_TIMEOUT_MILLIS, 1, 600_000),
      fields.integer("rise", DEFAULT_RISE, 1, 1000),
      fields.integer("fall", DEFAULT_FALL, 1, 1000),
      fields.bool("closeWhenDown", DEFAULT_CLOSE_WHEN_DOWN),
      fields.integer("drainTimeoutMillis", DEFAULT_DRAIN_TIMEOUT_MILLIS, 0, 3_600_000),
      fields.integer("statsIntervalMillis", DEFAULT_STATS_INTERVAL_MILLIS, 100, 86_400_000),
      fields.bool("accessLog", DEFAULT_ACCESS_LOG),
      fields.named("accessLogFormat", AccessLogFormat.class, DEFAULT_ACCESS_LOG_FORMAT),
      AdminOptions.fromJson(config.getValue("admin"), fields.path("admin"), port, System.getenv()),
      ProxyTls.fromJson(config, path),
      fields.bool("acceptProxy", DEFAULT_ACCEPT_PROXY),
      fields.integer("finTimeoutMillis", DEFAULT_FIN_TIMEOUT_MILLIS, 1, 3_600_000),
      fields.named("balance", Balance.class, DEFAULT_BALANCE),
      fields.integer("slowStartMillis", DEFAULT_SLOW_START_MILLIS, 0, 3_600_000));
  }

  /** These options with another upstream list: what a live reload changes. */
  public ProxyOptions withUpstreams(List<Upstream> newUpstreams) {
    return new ProxyOptions(host, port, name, newUpstreams, strategy, maxConns, queueSize, queueTimeoutMillis,
      connectTimeoutMillis, idleTimeoutSeconds, retries, failuresBeforeDown, check, checkIntervalMillis,
      checkTimeoutMillis, rise, fall, closeWhenDown, drainTimeoutMillis, statsIntervalMillis, accessLog,
      accessLogFormat, admin, tls, acceptProxy, finTimeoutMillis, balance, slowStartMillis);
  }

  /**
   * The upstream list: a JSON array of addresses, without duplicates. Absent or empty means "discover the
   * backends through the cluster", which {@link UpstreamSource} refuses when Vert.x is not clustered.
   */
  static List<Upstream> upstreams(Object value, String path) {
    if (value == null) {
      return List.of();
    }
    if (!(value instanceof JsonArray array)) {
      throw new ConfigException(path + ": must be a list of upstream servers such as [\"127.0.0.1:9091\"], got "
        + value);
    }
    List<Upstream> upstreams = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < array.size(); i++) {
      Upstream upstream = Upstream.fromJson(array.getValue(i), path + "[" + i + "]");
      if (!seen.add(upstream.address())) {
        throw new ConfigException(path + "[" + i + "]: " + upstream.address() + " is listed twice");
      }
      upstreams.add(upstream);
    }
    return List.copyOf(upstreams);
  }
}
