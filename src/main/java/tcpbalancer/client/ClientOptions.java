package tcpbalancer.client;

import io.vertx.core.json.JsonObject;
import io.vertx.core.net.HostAndPort;
import java.util.Set;
import tcpbalancer.config.Addresses;
import tcpbalancer.config.ConfigException;
import tcpbalancer.config.ConfigFields;
import tcpbalancer.config.TlsClientOptions;
import tcpbalancer.protocol.Frame;
import tcpbalancer.protocol.OutputFormat;
import tcpbalancer.protocol.ResizeMode;
import tcpbalancer.protocol.ResizeRequest;

/**
 * Settings of a {@link ClientVerticle}, read once from its {@code config()} and validated there. See
 * docs/configuration.md for each key's meaning.
 */
public record ClientOptions(HostAndPort proxy, String input, String output, int width, int height, ResizeMode mode,
                            int minConns, int maxConns, int times, boolean dryRun, int window, int retries,
                            String report, String histogram, int maxFrameSize, int requestTimeoutMillis,
                            int reconnectTimeoutMillis, int eventLoops, TlsClientOptions tls, OutputFormat format,
                            int quality) {

  public static final int DEFAULT_WINDOW = 4;
  public static final int DEFAULT_RETRIES = 3;
  /**
   * Long enough for a 20-megapixel image on a backend whose workers are all busy (a resize takes a second or two,
   * and it may wait behind a few others); short enough that a hung upstream costs a run seconds, not minutes.
   */
  public static final int DEFAULT_REQUEST_TIMEOUT_MILLIS = 30_000;
  /** Long enough to ride out a proxy restart (a supervisor brings it back within seconds). */
  public static final int DEFAULT_RECONNECT_TIMEOUT_MILLIS = 60_000;
  /** A load client drives its connections from every core by default. */
  public static final int DEFAULT_EVENT_LOOPS = Runtime.getRuntime().availableProcessors();
  public static final Set<String> KEYS = Set.of("proxy", "input", "output", "width", "height", "mode", "minConns",
    "maxConns", "times", "dryRun", "window", "retries", "report", "histogram", "maxFrameSize",
    "requestTimeoutMillis", "reconnectTimeoutMillis", "eventLoops", "tls", "format", "quality");

  public static ClientOptions fromJson(JsonObject json, String path) {
    JsonObject config = json == null ? new JsonObject() : json;
    ConfigFields fields = new ConfigFields(config, path);
    fields.rejectUnknownKeys(KEYS);
    for (String required : new String[] {"proxy", "input", "output", "width", "height"}) {
      if (config.getValue(required) == null) {
        throw new ConfigException(fields.path(required) + ": required");
      }
    }
    ResizeMode resizeMode = fields.named("mode", ResizeMode.class, ResizeMode.FIT);
    int minConns = fields.integer("minConns", 1, 1, 100_000);
    int maxConns = fields.integer("maxConns", minConns, 1, 100_000);
    if (maxConns < minConns) {
      throw fields.invalid("maxConns", maxConns, "must be at least minConns (" + minConns + ")");
    }
    return new ClientOptions(
      Addresses.parse(fields.string("proxy", null), fields.path("proxy")),
      fields.string("input", null),
      fields.string("output", null),
      fields.integer("width", 0, 1, 0xFFFF),
      fields.integer("height", 0, 1, 0xFFFF),
      resizeMode,
      minConns,
      maxConns,
      fields.integer("times", 1, 1, 1_000_000),
      fields.bool("dryRun", false),
      fields.integer("window", DEFAULT_WINDOW, 1, 1024),
      fields.integer("retries", DEFAULT_RETRIES, 0, 100),
      fields.string("report", ""),
      fields.string("histogram", ""),
      fields.integer("maxFrameSize", Frame.DEFAULT_MAX_BODY_SIZE, 1024, Integer.MAX_VALUE),
      fields.integer("requestTimeoutMillis", DEFAULT_REQUEST_TIMEOUT_MILLIS, 1, Integer.MAX_VALUE),
      fields.integer("reconnectTimeoutMillis", DEFAULT_RECONNECT_TIMEOUT_MILLIS, 0, Integer.MAX_VALUE),
      fields.integer("eventLoops", DEFAULT_EVENT_LOOPS, 1, 1024),
      TlsClientOptions.fromJson(config.getValue("tls"), fields.path("tls")),
      fields.named("format", OutputFormat.class, OutputFormat.SAME),
      fields.integer("quality", ResizeRequest.BACKEND_QUALITY, 1, ResizeRequest.MAX_QUALITY));
  }

  /** True when requests ask for more than the source's format at the backend's quality. */
  boolean hasOutputOptions() {
    return format != OutputFormat.SAME || quality != ResizeRequest.BACKEND_QUALITY;
  }

  /** The same settings with another range of connections per round: one event loop's share of a run. */
  ClientOptions withConnections(int fewest, int most) {
    return new ClientOptions(proxy, input, output, width, height, mode, fewest, most, times, dryRun, window, retries,
      report, histogram, maxFrameSize, requestTimeoutMillis, reconnectTimeoutMillis, eventLoops, tls, format,
      quality);
  }
}
