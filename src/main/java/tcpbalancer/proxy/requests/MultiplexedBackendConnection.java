package tcpbalancer.proxy.requests;

import io.netty.buffer.ByteBuf;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetClient;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tcpbalancer.protocol.FrameHeader;
import tcpbalancer.protocol.FrameType;
import tcpbalancer.protocol.StatusException;
import tcpbalancer.proxy.ProxyHeader;
import tcpbalancer.proxy.SendProxy;

/**
 * One long-lived connection from the proxy to a backend, carrying the requests of any number of clients at once,
 * each under an id of this connection's {@link IdMap}. A request's header and the body bytes that came with it are
 * written when it is sent here, the rest of its body piece by piece as it arrives: until its body ends, the write
 * side is that request's (a frame cannot be interleaved), and the connection takes no other request meanwhile.
 * Requests given to it while it connects are written once it is open. When it breaks (closed, a bad answer, an
 * error frame of id 0, a failed connect, or closed by the proxy because a body stalled) it hands every request
 * still in flight back to its {@link BackendLink}, which has them sent elsewhere. Runs on one event loop.
 */
final class MultiplexedBackendConnection implements FrameStream.Listener {

  private static final Logger log = LoggerFactory.getLogger(MultiplexedBackendConnection.class);

  private final BackendLink link;
  private final IdMap ids = new IdMap();
  /** Requests given while connecting, in order; written when the connection opens. */
  private final List<ProxiedRequest> unwritten = new ArrayList<>();
  private NetSocketInternal socket;
  /** Writes its frames: those written while a read is handled are flushed together ({@link FlushBatch}). */
  private FrameWriter out;
  private FrameStream answers;
  private int maxFrameSize;
  /** The request whose body is being written: the write side is its until the body ends. */
  private ProxiedRequest writer;
  /** The answer being read: its header, and its body's pieces (slices, gathered without a copy). */
  private FrameHeader answer;
  private final List<Buffer> answerPieces = new ArrayList<>(2);
  private boolean broken;

  MultiplexedBackendConnection(BackendLink link) {
    this.link = link;
  }

  void connect(NetClient client, int maxFrameSize) {
    this.maxFrameSize = maxFrameSize;
    client.connect(link.upstream().upstream().socketAddress()).onComplete(connected -> {
      if (connected.failed()) {
        link.connectFailed(this, connected.cause());
        breakOff("connect failed: " + connected.cause().getMessage());
        return;
      }
      socket = (NetSocketInternal) connected.result();
      if (broken) { // the proxy gave up on it while it connected
        socket.close();
        return;
      }
      SendProxy sendProxy = link.upstream().upstream().sendProxy();
      if (sendProxy != SendProxy.OFF) {
        // Many clients' requests share this connection: its header names none of them, as a health check's does.
        ProxyHeader.sendLocal(socket, sendProxy);
      }
      answers = new FrameStream(new RawReads(socket, link.flushBatch()), this.maxFrameSize, this);
      out = new FrameWriter(socket, link.flushBatch());
      socket.closeHandler(v -> {
        answers.discard();
        breakOff("the backend closed the connection");
      });
      socket.exceptionHandler(e -> log.debug("Connection to {}: {}", link.upstream().upstream().address(),
        e.getMessage()));
      socket.drainHandler(v -> drained());
      unwritten.forEach(this::writeStart);
      unwritten.clear();
      drained(); // a client whose body waited for the connection may go on
    });
  }

  private void drained() {
    if (writer != null) {
      writer.client.bodyWritable();
    }
    link.writable();
  }

  /** Sends {@code request} on this connection under an id of its own; its body, while it comes, holds it. */
  void send(ProxiedRequest request) {
    request.sentOn(this, ids.add(request));
    if (!request.bodyComplete()) {
      writer = request;
    }
    if (socket == null) {
      unwritten.add(request);
    } else {
      writeStart(request);
    }
  }

  /** The header and the pieces of the body that came so far, in one write. */
  private void writeStart(ProxiedRequest request) {
    out.write(FrameHeaders.request(out.alloc(), request.backendId(), request.bodySize, request.pieces()));
    request.started();
    if (request == writer && request.bodyComplete()) {
      writer = null;
    }
  }

  /**
   * The next piece of the body of the request that holds the write side; {@code kept}: the request keeps its
   * reference (the write takes one of its own), else the write takes it over. False: not written here.
   */
  boolean bodyPiece(ProxiedRequest request, Buffer piece, boolean kept) {
    if (request != writer || !request.isStarted()) { // the piece goes with the header, or the request moved on
      return false;
    }
    ByteBuf bytes = FrameHeaders.byteBuf(piece);
    out.write(kept ? bytes.retainedDuplicate() : bytes);
    if (request.bodyComplete()) {
      writer = null;
      link.writable();
    }
    return true;
  }

  /** Whether the request that holds the write side may send the next piece of its body now. */
  boolean takesBody() {
    return !broken && socket != null && !socket.writeQueueFull();
  }

  /** Requests sent on it and not yet answered. */
  int inFlight() {
    return ids.size();
  }

  /** Whether a request sent now would be written at once: no body holds it, its write queue is not full. */
  boolean writable() {
    return !broken && writer == null && (socket == null || !socket.writeQueueFull());
  }

  boolean broken() {
    return broken;
  }

  /** Closes it; its requests in flight are sent elsewhere. */
  void close(String why) {
    breakOff(why);
  }

  @Override
  public void header(FrameHeader header, Buffer bodyStart) {
    if (broken) { // reads Vert.x still held when the connection was given up: nobody waits for them
      FrameStream.release(bodyStart);
      return;
    }
    if (header.requestId() != 0 && header.type() != FrameType.RESIZE_RESPONSE) {
      FrameStream.release(bodyStart);
      breakOff("the backend sent a frame of type " + header.type() + ", not a response");
      return;
    }
    if (bodyStart.length() == header.bodySize()) {
      answered(header, onHeap(bodyStart));
      return;
    }
    answer = header;
    answerPieces.clear();
    answerPieces.add(onHeap(bodyStart));
  }

  /**
   * An answer's bytes copied out of the read (and the read's reference given back): answers are small (results,
   * error frames) and may wait in a client's write queue, so they do not hold the pooled read buffers.
   */
  private static Buffer onHeap(Buffer piece) {
    Buffer copy = Buffer.buffer(piece.length()).appendBuffer(piece);
    FrameStream.release(piece);
    return copy;
  }

  @Override
  public void body(Buffer piece, boolean last) {
    if (broken || answer == null) { // given up, or the rest of a frame refused at its header
      FrameStream.release(piece);
      return;
    }
    answerPieces.add(onHeap(piece));
    if (last) {
      FrameHeader header = answer;
      answer = null;
      answered(header, FrameHeaders.joined(answerPieces));
      answerPieces.clear();
    }
  }

  @Override
  public void error(StatusException e) {
    breakOff("bad answer from the backend: " + e.getMessage());
  }

  private void answered(FrameHeader header, Buffer body) {
    if (header.requestId() == 0) { // a connection-level error: the backend closes this connection
      breakOff("the backend sent an error frame (status " + FrameHeaders.status(body) + ") and closes");
      return;
    }
    ProxiedRequest request = ids.remove(header.requestId());
    if (request == null) {
      breakOff("the backend answered request id " + header.requestId() + ", which is not in flight");
      return;
    }
    link.answered(request, body);
  }

  private void breakOff(String why) {
    if (broken) {
      return;
    }
    broken = true;
    if (socket != null) {
      socket.close();
    }
    unwritten.clear();
    writer = null;
    List<ProxiedRequest> lost = ids.removeAll();
    log.debug("Connection to {} is over ({}): {} requests in flight", link.upstream().upstream().address(), why,
      lost.size());
    link.lost(this, lost, why);
  }
}
