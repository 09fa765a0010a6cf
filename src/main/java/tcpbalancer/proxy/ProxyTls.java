package tcpbalancer.proxy;

import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetServerOptions;
import tcpbalancer.config.TlsClientOptions;
import tcpbalancer.config.TlsServerOptions;

/**
 * The proxy's TLS: termination on its port (config key {@code tls}) and origination to its upstreams
 * ({@code upstreamTls}), each independent of the other; either may be null (plain TCP on that side).
 */
public record ProxyTls(TlsServerOptions listen, TlsClientOptions upstream) {

  public static final ProxyTls NONE = new ProxyTls(null, null);

  static ProxyTls fromJson(JsonObject config, String path) {
    TlsServerOptions listen = TlsServerOptions.fromJson(config.getValue("tls"), join(path, "tls"));
    TlsClientOptions upstream = TlsClientOptions.fromJson(config.getValue("upstreamTls"),
      join(path, "upstreamTls"));
    return listen == null && upstream == null ? NONE : new ProxyTls(listen, upstream);
  }

  private static String join(String path, String key) {
    return path.isEmpty() ? key : path + "." + key;
  }

  /** The client port's options, with TLS when it terminates it. */
  NetServerOptions server(NetServerOptions options) {
    return listen == null ? options : listen.applyTo(options);
  }

  /** An upstream client's options (relays and health checks alike), with TLS when it originates it. */
  NetClientOptions upstreamClient(NetClientOptions options) {
    return upstream == null ? options : upstream.applyTo(options);
  }

  /** For the start-up line. */
  String describe() {
    return (listen == null ? "plain TCP" : "TLS (" + listen.certificates().size() + " certificate(s))")
      + " from clients, " + (upstream == null ? "plain TCP" : upstream.describe()) + " to upstreams";
  }
}
