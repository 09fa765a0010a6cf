package tcpbalancer.proxy.requests;

import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.List;
import tcpbalancer.protocol.Frame;
import tcpbalancer.proxy.UpstreamState;

/**
 * One request frame on its way through the proxy: whose it is, under which id its client sent it, and its body as
 * it arrives. Each piece of the body goes on to the backend connection the request was sent on as soon as it
 * comes. A request whose frame fits its client's resend budget also keeps its pieces (by reference: slices of
 * what was read, never copies) until its answer, so that it can be sent again to another backend; a larger one
 * keeps them only until they are written with its header, and can be sent again only while none of its body went
 * out. It owns one reference to each piece it keeps, given back by {@link #release} (or when it lets go of them);
 * every write takes a reference of its own.
 */
final class ProxiedRequest {

  final ClientSession client;
  final long clientId;
  final int bodySize;
  /** Whether its pieces are kept for a resend (its frame fits {@link PoolSizing#CLIENT_RESEND_BUDGET}). */
  final boolean kept;
  private final List<Buffer> pieces;
  private int received;
  /** The connection it was last sent on, while its body goes there; null once abandoned. */
  private MultiplexedBackendConnection connection;
  private long backendId;
  /** Its header was written on {@link #connection}: later pieces go there one by one. */
  private boolean started;
  /** Bytes of its body written to a backend and not kept: it can no longer be sent again. */
  private boolean bodyGone;
  /** Its backend failed it and it could not be sent again: the rest of its body is read and dropped. */
  private boolean abandoned;
  /** Its answer went back (or its client is gone): it keeps nothing more. */
  private boolean released;
  /** How many times it was sent to a backend. */
  int sends;
  /**
   * The backend it was first sent to, and the others it was sent to after (null until it is resent): a resend
   * prefers one it was not sent to. Most requests are sent once, so no set is made for them.
   */
  private UpstreamState firstTried;
  private List<UpstreamState> laterTried;
  /** Why its last send failed, for the error frame if it gives up. */
  String lastFailure = "";

  ProxiedRequest(ClientSession client, long clientId, int bodySize) {
    this.client = client;
    this.clientId = clientId;
    this.bodySize = bodySize;
    this.kept = Frame.HEADER_SIZE + (long) bodySize <= PoolSizing.CLIENT_RESEND_BUDGET;
    this.pieces = new ArrayList<>(2);
  }

  /** The bytes it holds in the proxy for a resend, header included: what counts against its client's budget. */
  int heldBytes() {
    return kept ? Frame.HEADER_SIZE + bodySize : 0;
  }

  boolean bodyComplete() {
    return received == bodySize;
  }

  int received() {
    return received;
  }

  /** Whether it can go to a backend (again): all its body that came is kept, or none of it went out yet. */
  boolean canBeSent() {
    return kept || !bodyGone;
  }

  /** The pieces of its body to write with its header: all that came (kept), or what came before it was sent. */
  List<Buffer> pieces() {
    return pieces;
  }

  /**
   * The next piece of its body came from its client (with a reference this request now owns): on to its backend
   * connection, and kept if it keeps or was not sent yet.
   */
  void bodyArrived(Buffer piece) {
    if (piece.length() == 0 || released) {
      FrameStream.release(piece);
      return;
    }
    received += piece.length();
    boolean keep = !abandoned && (kept || !started); // an abandoned one is answered: what still comes is dropped
    if (keep) {
      pieces.add(piece);
    }
    if (connection == null || !connection.bodyPiece(this, piece, keep)) {
      if (!keep) {
        FrameStream.release(piece);
      }
    }
  }

  /** It is being sent to {@code upstream}. */
  void sentTo(UpstreamState upstream) {
    if (firstTried == null) {
      firstTried = upstream;
    } else if (!wasSentTo(upstream)) {
      if (laterTried == null) {
        laterTried = new ArrayList<>(2);
      }
      laterTried.add(upstream);
    }
  }

  boolean wasSentTo(UpstreamState upstream) {
    return upstream == firstTried || laterTried != null && laterTried.contains(upstream);
  }

  /** Its answer went back, or its client is gone: gives back the pieces it kept. Safe to call more than once. */
  void release() {
    released = true;
    releasePieces();
  }

  private void releasePieces() {
    pieces.forEach(FrameStream::release);
    pieces.clear();
  }

  void sentOn(MultiplexedBackendConnection connection, long backendId) {
    this.connection = connection;
    this.backendId = backendId;
    this.started = false;
  }

  /** Its header and {@link #pieces} were written: one that keeps nothing lets go of them. */
  void started() {
    started = true;
    if (!kept && !pieces.isEmpty()) {
      releasePieces();
      bodyGone = true;
    }
  }

  boolean isStarted() {
    return started;
  }

  /** Its id on the connection it was last sent on. */
  long backendId() {
    return backendId;
  }

  MultiplexedBackendConnection connection() {
    return connection;
  }

  /** Its backend failed it and it cannot be sent again: whatever of its body still comes is dropped. */
  void abandon() {
    abandoned = true;
    connection = null;
    releasePieces();
  }

  /** Whether its client may send more of its body now: its connection can write it, or it is being dropped. */
  boolean takesBody() {
    return abandoned || connection != null && connection.takesBody();
  }

  /** Whether its body, not yet complete, holds the write side of a backend connection. */
  boolean holdsConnection() {
    return !abandoned && connection != null && !bodyComplete();
  }
}
