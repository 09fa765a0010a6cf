package tcpbalancer.proxy.requests;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import tcpbalancer.protocol.Frame;
import tcpbalancer.protocol.FrameParser;
import tcpbalancer.protocol.FrameType;
import tcpbalancer.protocol.ResizeMode;
import tcpbalancer.protocol.ResizeRequest;
import tcpbalancer.protocol.ResizeResponse;

/**
 * A pipelining test client of the tcpbalancer protocol: it sends {@code count} dry-run requests (ids 1 to count)
 * with at most {@code window} unanswered, never resends, and completes with every answer by id once all came.
 * It fails when the connection closes first or an answer comes twice. Use it on an event loop.
 */
final class FrameClient {

  private final int count;
  private final int window;
  private final Buffer body;
  private final Map<Long, ResizeResponse> answers = new ConcurrentHashMap<>();
  private final Promise<Map<Long, ResizeResponse>> done = Promise.promise();
  private NetSocket socket;
  private long sent;

  private FrameClient(int count, int window, int imageBytes) {
    this.count = count;
    this.window = window;
    this.body = new ResizeRequest("test.jpg", "jpeg", 10, 10, ResizeMode.FIT, true,
      Buffer.buffer(new byte[imageBytes])).encode();
  }

  /** Sends {@code count} requests through the proxy at {@code port}, {@code window} at most in flight. */
  static Future<Map<Long, ResizeResponse>> run(NetClient client, int port, int count, int window, int imageBytes) {
    FrameClient frames = new FrameClient(count, window, imageBytes);
    return client.connect(port, "127.0.0.1").compose(socket -> {
      frames.socket = socket;
      FrameParser.on(socket, Frame.DEFAULT_MAX_BODY_SIZE).frameHandler(frames::answered)
        .errorHandler(e -> frames.done.tryFail(e));
      socket.closeHandler(v -> frames.done.tryFail("closed after " + frames.answers.size() + " of " + count
        + " answers"));
      frames.sendMore();
      return frames.done.future();
    });
  }

  private void sendMore() {
    while (sent < count && sent - answers.size() < window) {
      sent++;
      socket.write(new Frame(FrameType.RESIZE_REQUEST, sent, body).encode());
    }
  }

  private void answered(Frame frame) {
    ResizeResponse answer = ResizeResponse.decode(frame.body());
    if (frame.requestId() < 1 || frame.requestId() > sent) {
      done.tryFail("an answer for id " + frame.requestId() + ", which was not sent: " + answer);
      return;
    }
    if (answers.put(frame.requestId(), answer) != null) {
      done.tryFail("a second answer for id " + frame.requestId());
      return;
    }
    if (answers.size() == count) {
      socket.close();
      done.tryComplete(answers);
    } else {
      sendMore();
    }
  }
}
