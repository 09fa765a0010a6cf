package tcpbalancer.proxy.requests;

import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tcpbalancer.protocol.Frame;
import tcpbalancer.protocol.FrameParser;
import tcpbalancer.protocol.FrameType;
import tcpbalancer.protocol.StatusException;

/**
 * One long-lived connection from the proxy to a backend, carrying the requests of any number of clients at once,
 * each under an id of this connection's {@link IdMap}. Requests given to it while it connects are written once it
 * is open. When it breaks (closed, a bad answer, an error frame of id 0, a failed connect) it hands every request
 * still in flight back to its {@link BackendLink}, which has them sent elsewhere. Runs on one event loop.
 */
final class MultiplexedBackendConnection {

  private static final Logger log = LoggerFactory.getLogger(MultiplexedBackendConnection.class);

  private final BackendLink link;
  private final IdMap ids = new IdMap();
  /** Ids given while connecting, in order; written when the connection opens. */
  private final List<Long> unwritten = new ArrayList<>();
  private NetSocket socket;
  private boolean broken;

  MultiplexedBackendConnection(BackendLink link) {
    this.link = link;
  }

  void connect(NetClient client, int maxFrameSize) {
    client.connect(link.upstream().upstream().socketAddress()).onComplete(connected -> {
      if (connected.failed()) {
        link.connectFailed(this, connected.cause());
        breakOff("connect failed: " + connected.cause().getMessage());
        return;
      }
      socket = connected.result();
      if (broken) { // the proxy gave up on it while it connected
        socket.close();
        return;
      }
      FrameParser.on(socket, maxFrameSize)
        .frameHandler(this::answered)
        .errorHandler(this::badAnswer);
      socket.closeHandler(v -> breakOff("the backend closed the connection"));
      socket.exceptionHandler(e -> log.debug("Connection to {}: {}", link.upstream().upstream().address(),
        e.getMessage()));
      socket.drainHandler(v -> link.writable());
      unwritten.forEach(this::write);
      unwritten.clear();
    });
  }

  /** Sends {@code request} on this connection under an id of its own. */
  void send(ProxiedRequest request) {
    long id = ids.add(request);
    if (socket == null) {
      unwritten.add(id);
    } else {
      write(id);
    }
  }

  private void write(long id) {
    ProxiedRequest request = ids.get(id);
    if (request == null) {
      return;
    }
    socket.write(FrameHeaders.frame(FrameType.RESIZE_REQUEST, id, request.body));
  }

  /** Requests sent on it and not yet answered. */
  int inFlight() {
    return ids.size();
  }

  /** Whether a request written now would not wait behind a full write queue. */
  boolean writable() {
    return !broken && (socket == null || !socket.writeQueueFull());
  }

  boolean broken() {
    return broken;
  }

  /** Closes it; its requests in flight are sent elsewhere. */
  void close(String why) {
    breakOff(why);
  }

  private void answered(Frame answer) {
    if (answer.requestId() == 0) { // a connection-level error: the backend closes this connection
      breakOff("the backend sent an error frame (status " + FrameHeaders.status(answer.body()) + ") and closes");
      return;
    }
    if (answer.type() != FrameType.RESIZE_RESPONSE) {
      breakOff("the backend sent a frame of type " + answer.type() + ", not a response");
      return;
    }
    ProxiedRequest request = ids.remove(answer.requestId());
    if (request == null) {
      breakOff("the backend answered request id " + answer.requestId() + ", which is not in flight");
      return;
    }
    link.answered(request, answer.body());
  }

  private void badAnswer(StatusException e) {
    breakOff("bad answer from the backend: " + e.getMessage());
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
    List<ProxiedRequest> lost = ids.removeAll();
    log.debug("Connection to {} is over ({}): {} requests in flight", link.upstream().upstream().address(), why,
      lost.size());
    link.lost(this, lost, why);
  }
}
