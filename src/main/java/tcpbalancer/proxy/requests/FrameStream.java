package tcpbalancer.proxy.requests;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.core.streams.ReadStream;
import tcpbalancer.protocol.Frame;
import tcpbalancer.protocol.FrameHeader;
import tcpbalancer.protocol.StatusException;

/**
 * Cuts a socket's bytes into frame headers and body pieces without gathering bodies: each piece is a slice of the
 * bytes as they were read, never a copy (only a header split across two reads is copied, 12 bytes). Each read it is
 * given carries one reference it owns ({@link RawReads}); each piece it passes on carries one reference of its own,
 * which the listener owns and must release (or hand to a write, which releases it). The header is
 * checked ({@link FrameHeader#read}) before any byte of its body is passed on. Paused, it keeps the rest of the
 * read it was in and goes on from there when resumed; after the first bad header it passes nothing more on. Used
 * on the socket's event loop only.
 */
final class FrameStream {

  /** What a stream's reader is told, in the order of the bytes. */
  interface Listener {
    /**
     * A valid header, with the start of its body that came in the same read (empty if none did): a frame that
     * arrives in one read is passed on in one call, so it can go on in one write.
     */
    void header(FrameHeader header, Buffer bodyStart);

    /** The next bytes of the body announced by the last header; {@code last}: its body ends with them. */
    void body(Buffer piece, boolean last);

    /** The first bad header: nothing more comes. */
    void error(StatusException e);
  }

  private final ReadStream<Buffer> socket;
  private final int maxBodySize;
  private final Listener listener;
  /** The start of a header that a read cut, or null. */
  private Buffer partialHeader;
  /** Body bytes of the current frame still to come. */
  private int bodyLeft;
  /** What was left of a read when the reader paused the stream. */
  private Buffer held;
  private boolean paused;
  private boolean socketPaused;
  private boolean feeding;
  private boolean failed;

  FrameStream(ReadStream<Buffer> socket, int maxBodySize, Listener listener) {
    this.socket = socket;
    this.maxBodySize = maxBodySize;
    this.listener = listener;
    socket.handler(this::feed);
  }

  /** Whether a header came whose body has not all come yet. */
  boolean inBody() {
    return bodyLeft > 0;
  }

  void pause() {
    paused = true;
    if (!socketPaused) {
      socketPaused = true;
      socket.pause();
    }
  }

  void resume() {
    if (!paused || failed) {
      return;
    }
    paused = false;
    if (feeding) { // called from a listener: the loop in feed goes on by itself
      return;
    }
    if (held != null) {
      Buffer rest = held;
      held = null;
      feed(rest);
    }
    resumeSocket();
  }

  private void resumeSocket() {
    if (!paused && !failed && socketPaused) {
      socketPaused = false;
      socket.resume();
    }
  }

  private void feed(Buffer bytes) {
    feeding = true;
    try {
      int position = 0;
      int length = bytes.length();
      while (position < length && !failed) {
        if (paused) {
          held = retainedSlice(bytes, position, length);
          return;
        }
        if (bodyLeft > 0) {
          int n = Math.min(bodyLeft, length - position);
          bodyLeft -= n;
          listener.body(retainedSlice(bytes, position, position + n), bodyLeft == 0);
          position += n;
        } else {
          position = header(bytes, position);
        }
      }
    } finally {
      feeding = false;
      release(bytes);
    }
    resumeSocket();
  }

  /**
   * The stream's reader is gone (its socket closed): what it kept of a read is let go, and the socket resumed so
   * that the reads Vert.x still holds for it come through, to be released.
   */
  void discard() {
    failed = true;
    if (held != null) {
      release(held);
      held = null;
    }
    socketPaused = false;
    socket.resume();
  }

  private static Buffer retainedSlice(Buffer bytes, int start, int end) {
    return BufferInternal.buffer(FrameHeaders.byteBuf(bytes).retainedSlice(start, end - start));
  }

  static void release(Buffer bytes) {
    FrameHeaders.byteBuf(bytes).release();
  }

  /** Reads (or goes on reading) a header from {@code position}; returns the position after what it took. */
  private int header(Buffer bytes, int position) {
    Buffer header;
    int end;
    if (partialHeader == null && bytes.length() - position >= Frame.HEADER_SIZE) {
      end = position + Frame.HEADER_SIZE;
      header = bytes.slice(position, end);
    } else {
      Buffer start = partialHeader == null ? Buffer.buffer(Frame.HEADER_SIZE) : partialHeader;
      end = Math.min(bytes.length(), position + Frame.HEADER_SIZE - start.length());
      start.appendBuffer(bytes, position, end - position);
      if (start.length() < Frame.HEADER_SIZE) {
        partialHeader = start;
        return end;
      }
      partialHeader = null;
      header = start;
    }
    FrameHeader read;
    try {
      read = FrameHeader.read(header, maxBodySize);
    } catch (StatusException e) {
      failed = true;
      socket.pause();
      listener.error(e);
      return end;
    }
    int start = Math.min(read.bodySize(), bytes.length() - end);
    bodyLeft = read.bodySize() - start;
    listener.header(read, retainedSlice(bytes, end, end + start));
    return end + start;
  }
}
