package tcpbalancer.proxy;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import io.vertx.core.parsetools.RecordParser;

/** A client connection through the proxy to a {@link TestUpstream}: knows which upstream greeted it. */
final class ProxyTestClient {

  final NetSocket socket;
  final Future<String> greeting;
  final Future<Void> closed;

  private ProxyTestClient(NetSocket socket) {
    this.socket = socket;
    Promise<String> greeted = Promise.promise();
    Promise<Void> closedPromise = Promise.promise();
    RecordParser lines = RecordParser.newDelimited("\n", line -> greeted.tryComplete(line.toString()));
    socket.handler(lines);
    socket.closeHandler(v -> {
      greeted.tryFail("closed before any greeting");
      closedPromise.tryComplete();
    });
    this.greeting = greeted.future();
    this.closed = closedPromise.future();
  }

  static Future<ProxyTestClient> connect(NetClient client, int proxyPort) {
    return client.connect(proxyPort, "127.0.0.1").map(ProxyTestClient::new);
  }

  /** Connects and waits for the greeting: the name of the upstream this connection reached. */
  static Future<String> upstreamOf(NetClient client, int proxyPort) {
    return connect(client, proxyPort).compose(c -> c.greeting);
  }

  static Buffer bytes(int size, int seed) {
    byte[] data = new byte[size];
    new java.util.Random(seed).nextBytes(data);
    return Buffer.buffer(data);
  }
}
