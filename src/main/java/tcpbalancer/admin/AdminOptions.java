package tcpbalancer.admin;

import io.netty.util.NetUtil;
import io.vertx.core.json.JsonObject;
import java.net.InetAddress;
import java.util.Map;
import java.util.Set;
import tcpbalancer.config.ConfigException;
import tcpbalancer.config.ConfigFields;

/**
 * Where a proxy's or backend's admin endpoint listens, and the token its {@code /api} needs: the {@code admin}
 * object of that server's config. Without a token the endpoint may only listen on a loopback address: whoever can
 * reach it could otherwise use the API.
 *
 * @param host  address to listen on
 * @param port  port to listen on; 0 picks a free one
 * @param token what {@code Authorization: Bearer} must carry for {@code /api}; null: none (loopback only)
 */
public record AdminOptions(String host, int port, String token) {

  public static final String DEFAULT_HOST = "127.0.0.1";
  /** The environment variable that gives the token when the config does not. */
  public static final String TOKEN_VARIABLE = "TCPBALANCER_ADMIN_TOKEN";
  public static final Set<String> KEYS = Set.of("host", "port", "token");

  /**
   * The options in {@code value} (the {@code admin} key of a server's config, at {@code path}), or null when it is
   * absent: the endpoint is off. {@code dataPort} is the server's own port, which the endpoint must not share;
   * {@code environment} may give the token ({@link #TOKEN_VARIABLE}).
   */
  public static AdminOptions fromJson(Object value, String path, int dataPort, Map<String, String> environment) {
    if (value == null) {
      return null;
    }
    if (!(value instanceof JsonObject json)) {
      throw new ConfigException(path + ": must be an object such as {\"host\": \"127.0.0.1\", \"port\": 9190}, got "
        + value);
    }
    ConfigFields fields = new ConfigFields(json, path);
    fields.rejectUnknownKeys(KEYS);
    if (json.getValue("port") == null) {
      throw new ConfigException(fields.path("port") + ": required (the admin endpoint's port)");
    }
    int port = fields.integer("port", 0, 0, 65535);
    if (port != 0 && port == dataPort) {
      throw fields.invalid("port", port, "must differ from the server's own port");
    }
    String host = fields.string("host", DEFAULT_HOST);
    String token = fields.string("token", null);
    if (token == null) {
      String fromEnvironment = environment.get(TOKEN_VARIABLE);
      token = fromEnvironment == null || fromEnvironment.isBlank() ? null : fromEnvironment;
    }
    if (token == null && !isLoopback(host)) {
      throw new ConfigException(fields.path("host") + ": " + host + " is not a loopback address: set admin.token (or "
        + TOKEN_VARIABLE + ", or --admin-token) so that /api needs it");
    }
    return new AdminOptions(host, port, token);
  }

  /**
   * Whether {@code host} names this machine only. Decided from the text, without a name lookup (config is read on
   * an event loop): {@code localhost}, or an IP address literal in 127.0.0.0/8 or {@code ::1}.
   */
  static boolean isLoopback(String host) {
    String literal = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    if (literal.equalsIgnoreCase("localhost")) {
      return true;
    }
    InetAddress address = NetUtil.createInetAddressFromIpAddressString(literal);
    return address != null && address.isLoopbackAddress();
  }

  /** Whether {@code /api} requests must carry the token. */
  public boolean requiresToken() {
    return token != null;
  }

  /** Never prints the token: options end up in logs. */
  @Override
  public String toString() {
    return "AdminOptions[host=" + host + ", port=" + port + ", token=" + (token == null ? "none" : "***") + "]";
  }
}
