package tcpbalancer.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.Handler;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetSocket;
import java.util.function.LongConsumer;

/**
 * Moves bytes both ways between a client connection and its upstream connection, with backpressure.
 *
 * <p>A layer-4 relay does not look at the bytes, so it moves Netty's buffers as they are read: each socket's
 * {@link NetSocketInternal#messageHandler} hands over the buffer that was read, and
 * {@link NetSocketInternal#writeMessage} passes it to the other socket without a copy. (The public
 * {@code pipeTo} copies every read into a heap buffer, which the write copies back into direct memory, and
 * allocates futures per buffer; bench/RESULTS.md has what that costs.) What the public pipe gave for free is
 * done here: a full write queue pauses the reading side until it drains, and every
 * buffer is released exactly once, whichever side closes first.
 *
 * <p>When one side closes, its unread buffers are delivered to the other side first, then the other side is
 * closed once what was written to it is flushed: nothing the upstream sent before closing is lost. TCP
 * half-close is not relayed (a Vert.x socket has none). {@code onClosed} runs once, after both sockets have
 * closed, to release what the connection held.
 */
final class Relay {

  /** Releases what a held socket reads before its relay starts (it is paused, so only what was in flight). */
  private static final Handler<Object> DISCARD = ReferenceCountUtil::release;

  private final NetSocketInternal client;
  private final NetSocketInternal upstreamSocket;
  private final UpstreamState upstream;
  private final Runnable onClosed;
  private int socketsClosed;
  private boolean upstreamClosedFirst;
  private long bytesFromClient;
  private long bytesFromUpstream;

  Relay(NetSocket client, NetSocket upstreamSocket, UpstreamState upstream, Runnable onClosed) {
    this.client = (NetSocketInternal) client;
    this.upstreamSocket = (NetSocketInternal) upstreamSocket;
    this.upstream = upstream;
    this.onClosed = onClosed;
  }

  /**
   * Holds a new socket until its relay starts: nothing is read from it, and what was in flight is kept as Netty
   * buffers for the relay. Call it first thing, before any byte can arrive. If the socket closes before its
   * relay starts, what it held is released and {@code closedBeforeRelay} runs.
   */
  static void hold(NetSocket socket, Runnable closedBeforeRelay) {
    NetSocketInternal raw = (NetSocketInternal) socket;
    raw.messageHandler(DISCARD);
    raw.closeHandler(v -> {
      raw.resume(); // delivers the held buffers to DISCARD
      closedBeforeRelay.run();
    });
    raw.pause();
  }

  void start() {
    Direction toUpstream = new Direction(client, upstreamSocket, bytes -> {
      upstream.addBytesToUpstream(bytes);
      bytesFromClient += bytes;
    });
    Direction toClient = new Direction(upstreamSocket, client, bytes -> {
      upstream.addBytesFromUpstream(bytes);
      bytesFromUpstream += bytes;
    });
    client.exceptionHandler(e -> client.close());
    upstreamSocket.exceptionHandler(e -> upstreamSocket.close());
    client.closeHandler(v -> sideClosed(toUpstream, toClient));
    upstreamSocket.closeHandler(v -> {
      upstreamClosedFirst = socketsClosed == 0;
      sideClosed(toClient, toUpstream);
    });
    client.messageHandler(toUpstream);
    upstreamSocket.messageHandler(toClient);
    client.resume();
    upstreamSocket.resume();
  }

  /** Closes both sides now, without waiting for them to finish (end of a drain). */
  void closeBoth() {
    client.close();
    upstreamSocket.close();
  }

  /** Whether the upstream closed before the client did. */
  boolean upstreamClosedFirst() {
    return upstreamClosedFirst;
  }

  /** The bytes this connection's client sent to its upstream. */
  long bytesFromClient() {
    return bytesFromClient;
  }

  /** The bytes this connection's upstream sent to its client. */
  long bytesFromUpstream() {
    return bytesFromUpstream;
  }

  /**
   * One side closed: what it read and still held goes to the other side, which is then closed (a close flushes
   * what was written first); nothing more can be written to the closed side.
   */
  private void sideClosed(Direction fromClosed, Direction toClosed) {
    toClosed.destinationClosed = true;
    fromClosed.sourceClosed = true;
    fromClosed.source.resume();
    fromClosed.destination.close();
    if (++socketsClosed == 2) {
      onClosed.run();
    }
  }

  /** One way of the relay: what {@code source} reads is written to {@code destination}. */
  private static final class Direction implements Handler<Object> {

    private final NetSocketInternal source;
    private final NetSocketInternal destination;
    private final LongConsumer counter;
    private final Handler<Void> resumeSource;
    private boolean sourceClosed;
    private boolean destinationClosed;

    Direction(NetSocketInternal source, NetSocketInternal destination, LongConsumer counter) {
      this.source = source;
      this.destination = destination;
      this.counter = counter;
      this.resumeSource = v -> source.resume();
    }

    @Override
    public void handle(Object message) {
      if (destinationClosed || !(message instanceof ByteBuf buffer)) {
        ReferenceCountUtil.release(message);
        return;
      }
      counter.accept(buffer.readableBytes());
      destination.writeMessage(buffer).onFailure(e -> {
        // Netty releases what it fails to write; a write still queued in Vert.x when the socket closed is not.
        if (e == NetSocketInternal.CLOSED_EXCEPTION) {
          ReferenceCountUtil.safeRelease(buffer);
        }
      });
      if (destination.writeQueueFull() && !sourceClosed) {
        source.pause();
        destination.drainHandler(resumeSource);
      }
    }
  }
}
