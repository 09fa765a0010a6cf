package tcpbalancer.proxy;

import io.vertx.core.json.JsonObject;
import io.vertx.core.net.HostAndPort;
import io.vertx.core.net.SocketAddress;
import java.util.Set;
import tcpbalancer.config.Addresses;
import tcpbalancer.config.ConfigException;
import tcpbalancer.config.ConfigFields;

/**
 * One configured upstream server.
 *
 * @param host     host name or address
 * @param port     port
 * @param weight   share of new connections relative to the others, 1..256
 * @param maxConns most connections at once to this upstream; 0 means no limit
 * @param sendProxy whether connections to it start with a PROXY protocol header, and which version
 */
public record Upstream(String host, int port, int weight, int maxConns, SendProxy sendProxy) {

  public static final int DEFAULT_WEIGHT = 1;
  public static final Set<String> KEYS = Set.of("address", "weight", "maxConns", "sendProxy");

  /** An upstream that gets no PROXY protocol header. */
  public Upstream(String host, int port, int weight, int maxConns) {
    this(host, port, weight, maxConns, SendProxy.OFF);
  }

  public SocketAddress socketAddress() {
    return SocketAddress.inetSocketAddress(port, host);
  }

  /** {@code host:port} ({@code [host]:port} for IPv6), the upstream's identity in logs, metrics and the API. */
  public String address() {
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
  }

  /**
   * Parses {@code "host:port"} or {@code {"address": "host:port", "weight": 2, "maxConns": 100, "sendProxy":
   * "v2"}}.
   */
  public static Upstream fromJson(Object value, String path) {
    if (value instanceof String address) {
      return parseAddress(address, path, DEFAULT_WEIGHT, 0);
    }
    if (value instanceof JsonObject json) {
      ConfigFields fields = new ConfigFields(json, path);
      fields.rejectUnknownKeys(KEYS);
      String address = fields.string("address", null);
      if (address == null) {
        throw new ConfigException(fields.path("address") + ": required (host:port)");
      }
      Upstream parsed = parseAddress(address, fields.path("address"),
        fields.integer("weight", DEFAULT_WEIGHT, 1, 256), fields.integer("maxConns", 0, 0, 1_000_000));
      return new Upstream(parsed.host(), parsed.port(), parsed.weight(), parsed.maxConns(),
        fields.named("sendProxy", SendProxy.class, SendProxy.OFF));
    }
    throw new ConfigException(path + ": must be \"host:port\" or an object with an address, got " + value);
  }

  public static Upstream parseAddress(String address, String path, int weight, int maxConns) {
    HostAndPort parsed = Addresses.parse(address, path);
    return new Upstream(parsed.host(), parsed.port(), weight, maxConns);
  }
}
