package tcpbalancer.proxy;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetSocket;
import tcpbalancer.protocol.Frame;
import tcpbalancer.protocol.FrameParser;
import tcpbalancer.protocol.FrameType;
import tcpbalancer.protocol.ResizeMode;
import tcpbalancer.protocol.ResizeRequest;
import tcpbalancer.protocol.ResizeResponse;
import tcpbalancer.protocol.StatusException;

/**
 * A tcpbalancer backend must answer one dry-run resize request "ok": a backend answers a dry run on its event
 * loop without a resize worker, so this proves the backend process runs and reads, not that images get resized.
 */
record ResizeCheck() implements HealthCheck {

  static final String NAME = "resize";
  static final long REQUEST_ID = 1;
  /** A dry-run answer carries no image: anything larger is not one. */
  private static final int MAX_ANSWER_BYTES = 64 * 1024;

  @Override
  public Future<Void> probe(NetSocket socket) {
    Promise<Void> answered = Promise.promise();
    FrameParser parser = FrameParser.create(MAX_ANSWER_BYTES)
      .frameHandler(frame -> judge(frame, answered))
      .errorHandler(e -> answered.tryFail("answered what is not a resize response: " + e.getMessage()));
    socket.handler(parser::handle);
    socket.closeHandler(v -> answered.tryFail("closed the connection without an answer"));
    ResizeRequest request = new ResizeRequest("health-check", "jpeg", 1, 1, ResizeMode.FIT, true, Buffer.buffer());
    socket.write(request.toFrame(REQUEST_ID).encode()).onFailure(answered::tryFail);
    return answered.future();
  }

  private static void judge(Frame frame, Promise<Void> answered) {
    if (frame.type() != FrameType.RESIZE_RESPONSE) {
      answered.tryFail("answered a " + frame.type() + " frame");
      return;
    }
    if (frame.requestId() != REQUEST_ID) {
      answered.tryFail("answered request " + frame.requestId() + ", not " + REQUEST_ID);
      return;
    }
    ResizeResponse response;
    try {
      response = ResizeResponse.decode(frame.body());
    } catch (StatusException e) {
      answered.tryFail("answered a broken resize response: " + e.getMessage());
      return;
    }
    if (response.ok()) {
      answered.tryComplete();
    } else {
      answered.tryFail("answered status " + response.status()
        + (response.message().isEmpty() ? "" : ": " + response.message()));
    }
  }

  @Override
  public String toString() {
    return NAME;
  }
}
