package tcpbalancer.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
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
 * <p>Half-close is relayed, as HAProxy does: when one side shuts down its writing half (its FIN, after every byte
 * it sent before), the other side's writing half is shut down once what was written to it is flushed, and the
 * relay goes on the other way until that side ends too; then both are closed. A half-closed connection where
 * nothing moves for {@code finTimeoutMillis} is closed ({@link HalfClose} has the mechanism). When one side
 * closes outright, its unread buffers are delivered to the other side first, then the other side is closed once
 * what was written to it is flushed: nothing the upstream sent before closing is lost. {@code onClosed} runs
 * once, after both sockets have closed, to release what the connection held.
 */
final class Relay {

  /** Releases what a held socket reads before its relay starts (it is paused, so only what was in flight). */
  private static final Handler<Object> DISCARD = ReferenceCountUtil::release;

  private final NetSocketInternal client;
  private final NetSocketInternal upstreamSocket;
  private final UpstreamState upstream;
  private final Runnable onClosed;
  private final Vertx vertx;
  private final long finTimeoutMillis;
  private int socketsClosed;
  /** How many sides have had their peer shut down its writing half (0, 1 or 2). */
  private int sidesEnded;
  private boolean upstreamClosedFirst;
  private long finTimer = -1;
  private boolean finTimedOut;
  private long bytesFromClient;
  private long bytesFromUpstream;

  Relay(Vertx vertx, NetSocket client, NetSocket upstreamSocket, UpstreamState upstream, long finTimeoutMillis,
        Runnable onClosed) {
    this.vertx = vertx;
    this.client = (NetSocketInternal) client;
    this.upstreamSocket = (NetSocketInternal) upstreamSocket;
    this.upstream = upstream;
    this.finTimeoutMillis = finTimeoutMillis;
    this.onClosed = onClosed;
  }

  /**
   * Holds a new socket until its relay starts: nothing is read from it, and what was in flight is kept as Netty
   * buffers for the relay. Call it first thing, before any byte can arrive. If the socket closes before its
   * relay starts, what it held is released and {@code closedBeforeRelay} runs. A FIN read meanwhile waits, after
   * the bytes before it, for the relay.
   */
  static void hold(NetSocket socket, Runnable closedBeforeRelay) {
    NetSocketInternal raw = (NetSocketInternal) socket;
    DirectWrites.install(raw); // the relay writes each socket on its own event loop only
    HalfClose.install(raw);
    raw.messageHandler(DISCARD);
    raw.closeHandler(v -> {
      raw.resume(); // delivers the held buffers to DISCARD
      closedBeforeRelay.run();
    });
    raw.pause();
  }

  void start() {
    Direction toUpstream = new Direction(this, client, upstreamSocket, bytes -> {
      upstream.addBytesToUpstream(bytes);
      bytesFromClient += bytes;
    });
    Direction toClient = new Direction(this, upstreamSocket, client, bytes -> {
      upstream.addBytesFromUpstream(bytes);
      bytesFromUpstream += bytes;
    });
    client.exceptionHandler(e -> client.close());
    upstreamSocket.exceptionHandler(e -> upstreamSocket.close());
    client.closeHandler(v -> sideClosed(toUpstream, toClient));
    upstreamSocket.closeHandler(v -> {
      upstreamClosedFirst |= socketsClosed == 0 && sidesEnded == 0;
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

  /** Whether the upstream closed (or shut down its writing half) before the client did. */
  boolean upstreamClosedFirst() {
    return upstreamClosedFirst;
  }

  /** Whether the connection was closed because it stayed half-closed for {@code finTimeoutMillis}. */
  boolean finTimedOut() {
    return finTimedOut;
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
      vertx.cancelTimer(finTimer);
      onClosed.run();
    }
  }

  /**
   * The peer of {@code ended}'s source shut down its writing half, and every byte it sent before was written on:
   * the FIN goes on to the destination. The first side to end starts the FIN timeout; when both have, the
   * connection is over and both sockets are closed (a close flushes what was written first).
   */
  private void inputEnded(Direction ended) {
    if (ended.destinationClosed) {
      return; // the other side closed: this one is being closed already
    }
    if (sidesEnded++ == 0) {
      upstreamClosedFirst |= socketsClosed == 0 && ended.source == upstreamSocket;
    }
    if (sidesEnded == 2) {
      closeBoth();
      return;
    }
    HalfClose.shutdownOutput(ended.destination).onFailure(e -> ended.destination.close());
    armFinTimer();
  }

  /**
   * Closes the half-closed connection when nothing moved for {@code finTimeoutMillis} (HAProxy's
   * {@code timeout client-fin}): an answer still streaming the other way keeps it open. Checked when the timer
   * fires rather than reset per buffer, so the relay's path stays as short.
   */
  private void armFinTimer() {
    long movedBefore = bytesFromClient + bytesFromUpstream;
    finTimer = vertx.setTimer(finTimeoutMillis, id -> {
      if (bytesFromClient + bytesFromUpstream != movedBefore) {
        armFinTimer();
      } else {
        finTimedOut = true;
        closeBoth();
      }
    });
  }

  /** One way of the relay: what {@code source} reads is written to {@code destination}. */
  private static final class Direction implements Handler<Object> {

    private final Relay relay;
    private final NetSocketInternal source;
    private final NetSocketInternal destination;
    private final LongConsumer counter;
    private final Handler<Void> resumeSource;
    private boolean sourceClosed;
    private boolean destinationClosed;

    Direction(Relay relay, NetSocketInternal source, NetSocketInternal destination, LongConsumer counter) {
      this.relay = relay;
      this.source = source;
      this.destination = destination;
      this.counter = counter;
      this.resumeSource = v -> source.resume();
    }

    @Override
    public void handle(Object message) {
      if (message == HalfClose.INPUT_ENDED) {
        relay.inputEnded(this);
        return;
      }
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
