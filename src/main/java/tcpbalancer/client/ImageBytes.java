package tcpbalancer.client;

import io.netty.buffer.Unpooled;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads an image file, off the event loop, into a buffer that wraps the bytes read: Vert.x's own
 * {@code FileSystem.readFile} copies them once more into a buffer of its own, a copy per image the client does
 * not need (the request sends this buffer as it is, see {@link ResizeConnection}).
 */
final class ImageBytes {

  private ImageBytes() {
  }

  /** The file's bytes; fails with "cannot read PATH: REASON" (the operating system's reason). */
  static Future<Buffer> read(Vertx vertx, Path path) {
    return vertx.executeBlocking(() -> {
      try {
        return (Buffer) BufferInternal.buffer(Unpooled.wrappedBuffer(Files.readAllBytes(path)));
      } catch (IOException e) {
        throw new IOException("cannot read " + path + ": " + ResultWriter.osReason(e), e);
      }
    }, false);
  }
}
