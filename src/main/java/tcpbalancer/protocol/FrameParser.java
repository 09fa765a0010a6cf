package tcpbalancer.protocol;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.parsetools.RecordParser;
import io.vertx.core.streams.ReadStream;

/**
 * Cuts a byte stream into {@link Frame}s. The body length is checked against a maximum from the header,
 * before any body byte is buffered. After the first protocol error the parser reports that error once
 * and then ignores the rest of the stream: the peer cannot be trusted to be in sync any more.
 *
 * <p>Pausing the parser pauses the underlying stream (when built with {@link #on(ReadStream, int)}), so a
 * reader can stop frames from arriving while it is busy.
 */
public final class FrameParser {

  private final RecordParser records;
  private final int maxBodySize;
  private Handler<Frame> frameHandler = frame -> { };
  private Handler<StatusException> errorHandler = error -> { };
  private Handler<Integer> bodyHandler = size -> { };
  private FrameType pendingType;
  private long pendingRequestId;
  private int pendingBodySize = -1;
  private boolean failed;

  private FrameParser(RecordParser records, int maxBodySize) {
    this.records = records;
    this.maxBodySize = maxBodySize;
    records.handler(this::onRecord);
  }

  /** A parser fed by hand with {@link #handle(Buffer)}. */
  public static FrameParser create(int maxBodySize) {
    return new FrameParser(RecordParser.newFixed(Frame.HEADER_SIZE), maxBodySize);
  }

  /** A parser that reads from {@code stream} and pauses it when the parser is paused. */
  public static FrameParser on(ReadStream<Buffer> stream, int maxBodySize) {
    return new FrameParser(RecordParser.newFixed(Frame.HEADER_SIZE, stream), maxBodySize);
  }

  public FrameParser frameHandler(Handler<Frame> handler) {
    this.frameHandler = handler;
    return this;
  }

  /** Called once, on the first protocol violation; no frame is emitted after it. */
  public FrameParser errorHandler(Handler<StatusException> handler) {
    this.errorHandler = handler;
    return this;
  }

  /**
   * Called with the body size a valid header announces, before any body byte is buffered: a reader may pause the
   * parser until it can hold that many bytes. Not called for an empty body.
   */
  public FrameParser bodyAnnouncedHandler(Handler<Integer> handler) {
    this.bodyHandler = handler;
    return this;
  }

  /** Called when the underlying stream has ended and every complete frame was emitted. */
  public FrameParser endHandler(Handler<Void> handler) {
    records.endHandler(handler);
    return this;
  }

  public void handle(Buffer bytes) {
    records.handle(bytes);
  }

  public void pause() {
    records.pause();
  }

  public void resume() {
    records.resume();
  }

  /** True while a frame has been started but not finished: an end of stream now means a truncated frame. */
  public boolean inFrame() {
    return pendingBodySize >= 0;
  }

  private void onRecord(Buffer record) {
    if (failed) {
      return;
    }
    try {
      if (pendingBodySize < 0) {
        onHeader(record);
      } else {
        onBody(record);
      }
    } catch (StatusException e) {
      failed = true;
      records.pause();
      errorHandler.handle(e);
    }
  }

  private void onHeader(Buffer bytes) {
    FrameHeader header = FrameHeader.read(bytes, maxBodySize);
    FrameType type = header.type();
    long requestId = header.requestId();
    int bodySize = header.bodySize();
    if (bodySize == 0) {
      frameHandler.handle(new Frame(type, requestId, Buffer.buffer()));
      return;
    }
    pendingType = type;
    pendingRequestId = requestId;
    pendingBodySize = bodySize;
    records.fixedSizeMode(pendingBodySize);
    bodyHandler.handle(pendingBodySize);
  }

  private void onBody(Buffer body) {
    if (body.length() < pendingBodySize) {
      throw new StatusException(Status.BAD_FRAME,
        "truncated frame: the stream ended after " + body.length() + " of " + pendingBodySize + " body bytes");
    }
    Frame frame = new Frame(pendingType, pendingRequestId, body);
    pendingBodySize = -1;
    records.fixedSizeMode(Frame.HEADER_SIZE);
    frameHandler.handle(frame);
  }
}
