package tcpbalancer.config;

import io.vertx.core.Future;
import io.vertx.core.net.ClientSSLOptions;
import io.vertx.core.net.ConnectOptions;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.SocketAddress;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;

/**
 * A TLS client whose failed handshakes say why: Vert.x fails them all with "Failed to create SSL connection" and
 * keeps the reason (expired, another name, unknown authority) in the cause, where a log line that prints the
 * message would not show it.
 */
public final class ExplainedTlsClient implements NetClient {

  private final NetClient client;

  private ExplainedTlsClient(NetClient client) {
    this.client = client;
  }

  /** {@code client} itself when it has no TLS, else wrapped. */
  public static NetClient of(NetClient client, TlsClientOptions tls) {
    return tls == null ? client : new ExplainedTlsClient(client);
  }

  private static Future<NetSocket> explained(Future<NetSocket> connect) {
    return connect.recover(failure -> failure instanceof SSLException
      ? Future.failedFuture(new SSLException(TlsFailures.describe(failure), failure))
      : Future.failedFuture(failure));
  }

  @Override
  public Future<NetSocket> connect(int port, String host) {
    return explained(client.connect(port, host));
  }

  @Override
  public Future<NetSocket> connect(int port, String host, String serverName) {
    return explained(client.connect(port, host, serverName));
  }

  @Override
  public Future<NetSocket> connect(SocketAddress remoteAddress) {
    return explained(client.connect(remoteAddress));
  }

  @Override
  public Future<NetSocket> connect(SocketAddress remoteAddress, String serverName) {
    return explained(client.connect(remoteAddress, serverName));
  }

  @Override
  public Future<NetSocket> connect(ConnectOptions options) {
    return explained(client.connect(options));
  }

  @Override
  public Future<Void> shutdown(long timeout, TimeUnit unit) {
    return client.shutdown(timeout, unit);
  }

  @Override
  public Future<Boolean> updateSSLOptions(ClientSSLOptions options, boolean force) {
    return client.updateSSLOptions(options, force);
  }

  @Override
  public boolean isMetricsEnabled() {
    return client.isMetricsEnabled();
  }
}
