package tcpbalancer.protocol;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;
import java.util.ArrayDeque;

/**
 * Cuts a byte stream into {@link Frame}s. The body length is checked against a maximum from the header,
 * before any body byte is buffered. After the first protocol error the parser reports that error once
 * and then ignores the rest of the stream: the peer cannot be trusted to be in sync any more.
 *
 * <p>A body is assembled in one buffer of its announced size, allocated when its first byte is read (so not while a
 * reader paused at {@link #bodyAnnouncedHandler}), each read copied into it once: a 32 MiB body takes 32 MiB of heap.
 * (Vert.x's RecordParser gathered reads in a buffer of its own, grown by doubling, and copied the frame out of it:
 * up to three times the body at once, which a small heap could not hold.)
 *
 * <p>Pausing the parser pauses the underlying stream (when built with {@link #on(ReadStream, int)}), so a
 * reader can stop frames from arriving while it is busy; what was read before is held, unparsed, until it resumes.
 */
public final class FrameParser {

  private final ReadStream<Buffer> stream; // null when fed by hand
  private final int maxBodySize;
  private Handler<Frame> frameHandler = frame -> { };
  private Handler<StatusException> errorHandler = error -> { };
  private Handler<Integer> bodyHandler = size -> { };
  private Handler<Void> endHandler = v -> { };
  /** Reads not parsed yet, in order (what a paused parser holds); the first is parsed from {@link #offset} on. */
  private final ArrayDeque<Buffer> unparsed = new ArrayDeque<>();
  private int offset;
  /** The header bytes read so far, or null before the first one. */
  private Buffer header;
  private FrameType pendingType;
  private long pendingRequestId;
  private int pendingBodySize = -1;
  /** The pending frame's body, of its final size, from its first byte on; null before. */
  private Buffer body;
  private boolean paused;
  private boolean parsing; // a handler that resumes (or feeds) the parser re-enters it: the outer loop goes on
  private boolean streamEnded;
  private boolean endReported;
  private boolean failed;

  private FrameParser(ReadStream<Buffer> stream, int maxBodySize) {
    this.stream = stream;
    this.maxBodySize = maxBodySize;
    if (stream != null) {
      stream.handler(this::handle);
      stream.endHandler(v -> {
        streamEnded = true;
        parse();
      });
    }
  }

  /** A parser fed by hand with {@link #handle(Buffer)}. */
  public static FrameParser create(int maxBodySize) {
    return new FrameParser(null, maxBodySize);
  }

  /** A parser that reads from {@code stream} and pauses it when the parser is paused. */
  public static FrameParser on(ReadStream<Buffer> stream, int maxBodySize) {
    return new FrameParser(stream, maxBodySize);
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
    this.endHandler = handler;
    return this;
  }

  public void handle(Buffer bytes) {
    if (failed || bytes.length() == 0) {
      return;
    }
    unparsed.addLast(bytes);
    parse();
  }

  public void pause() {
    paused = true;
    if (stream != null) {
      stream.pause();
    }
  }

  /** Parses what was held, then lets the stream go on (unless a handler paused again); not after an error. */
  public void resume() {
    if (failed) {
      return;
    }
    paused = false;
    parse();
    if (!paused && stream != null) {
      stream.resume();
    }
  }

  /** True while a frame has been started but not finished: an end of stream now means a truncated frame. */
  public boolean inFrame() {
    return pendingBodySize >= 0;
  }

  private void parse() {
    if (parsing) {
      return;
    }
    parsing = true;
    try {
      parseHeld();
    } catch (StatusException e) {
      fail(e);
    } finally {
      parsing = false;
    }
    if (streamEnded && !endReported && (failed || (!paused && unparsed.isEmpty()))) {
      endReported = true;
      endOfStream();
    }
  }

  /** Takes each read's bytes into the header or the body they belong to, emitting what completes. */
  private void parseHeld() {
    while (!failed && !paused && !unparsed.isEmpty()) {
      Buffer read = unparsed.peekFirst();
      int start = offset;
      int count = Math.min(read.length() - start, missing());
      offset += count;
      if (offset == read.length()) {
        unparsed.pollFirst();
        offset = 0;
      }
      if (pendingBodySize < 0) {
        if (header == null) {
          header = Buffer.buffer(Frame.HEADER_SIZE);
        }
        header.appendBuffer(read, start, count);
        if (header.length() == Frame.HEADER_SIZE) {
          onHeader();
        }
      } else {
        if (body == null) {
          body = Buffer.buffer(pendingBodySize); // the one allocation of the body, at its final size
        }
        body.appendBuffer(read, start, count);
        if (body.length() == pendingBodySize) {
          onBody();
        }
      }
    }
  }

  /** Bytes still missing from the header or the body being read. */
  private int missing() {
    if (pendingBodySize < 0) {
      return Frame.HEADER_SIZE - (header == null ? 0 : header.length());
    }
    return pendingBodySize - (body == null ? 0 : body.length());
  }

  private void onHeader() {
    FrameHeader read = FrameHeader.read(header, maxBodySize);
    header = null;
    if (read.bodySize() == 0) {
      frameHandler.handle(new Frame(read.type(), read.requestId(), Buffer.buffer()));
      return;
    }
    pendingType = read.type();
    pendingRequestId = read.requestId();
    pendingBodySize = read.bodySize();
    bodyHandler.handle(pendingBodySize);
  }

  private void onBody() {
    Frame frame = new Frame(pendingType, pendingRequestId, body);
    pendingBodySize = -1;
    body = null;
    frameHandler.handle(frame);
  }

  /** The stream ended: a frame begun and not finished is an error; then the end handler, once. */
  private void endOfStream() {
    if (!failed) {
      try {
        if (header != null) {
          FrameHeader.read(header, maxBodySize); // throws, naming how much of the header came
        }
        if (pendingBodySize >= 0) {
          int received = body == null ? 0 : body.length();
          throw new StatusException(Status.BAD_FRAME,
            "truncated frame: the stream ended after " + received + " of " + pendingBodySize + " body bytes");
        }
      } catch (StatusException e) {
        fail(e);
      }
    }
    endHandler.handle(null);
  }

  /** Reports {@code e} once and drops everything held: no frame is parsed after it. */
  private void fail(StatusException e) {
    failed = true;
    unparsed.clear();
    header = null;
    body = null;
    if (stream != null) {
      stream.pause();
    }
    errorHandler.handle(e);
  }
}
