package tcpbalancer.proxy;

import io.vertx.core.net.NetSocket;

/**
 * Moves bytes both ways between a client connection and its upstream connection, with backpressure (pipes).
 * When one side ends, the pipe ends the other once every byte read from it was written: nothing the upstream
 * sent before closing is lost. When a side fails, the other is closed once nothing more can reach it.
 * {@code onClosed} runs once, after both
 * sockets have closed, to release what the connection held.
 */
final class Relay {

  private final NetSocket client;
  private final NetSocket upstreamSocket;
  private final UpstreamState upstream;
  private final Runnable onClosed;
  private int socketsClosed;

  Relay(NetSocket client, NetSocket upstreamSocket, UpstreamState upstream, Runnable onClosed) {
    this.client = client;
    this.upstreamSocket = upstreamSocket;
    this.upstream = upstream;
    this.onClosed = onClosed;
  }

  void start() {
    client.closeHandler(v -> socketClosed());
    upstreamSocket.closeHandler(v -> socketClosed());
    // Client to upstream failing (say, the upstream has closed) must not cut what the upstream already sent:
    // only the upstream side is closed, and the other pipe delivers the rest and then ends the client.
    client.pipeTo(new CountingWriteStream(upstreamSocket, upstream::addBytesToUpstream))
      .onFailure(e -> upstreamSocket.close());
    upstreamSocket.pipeTo(new CountingWriteStream(client, upstream::addBytesFromUpstream))
      .onFailure(e -> closeBoth());
  }

  /** Closes both sides now, without waiting for them to finish (end of a drain). */
  void closeBoth() {
    client.close();
    upstreamSocket.close();
  }

  private void socketClosed() {
    if (++socketsClosed == 2) {
      onClosed.run();
    }
  }
}
