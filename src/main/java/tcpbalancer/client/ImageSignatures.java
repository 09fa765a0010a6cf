package tcpbalancer.client;

import io.vertx.core.buffer.Buffer;
import java.util.Arrays;

/** The first bytes that make a file a JPEG or a PNG image, whatever its name says. */
final class ImageSignatures {

  private static final byte[] PNG = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  private static final byte[] JPEG = {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF};
  /** Bytes to read for {@link #formatOf}. */
  static final int LONGEST = PNG.length;

  private ImageSignatures() {
  }

  /** {@code png} or {@code jpeg} for the first {@code length} bytes of {@code head}, or null. */
  static String formatOf(byte[] head, int length) {
    if (startsWith(head, length, PNG)) {
      return "png";
    }
    return startsWith(head, length, JPEG) ? "jpeg" : null;
  }

  /** Whether {@code bytes} begin as an image of {@code format} does. */
  static boolean isA(String format, Buffer bytes) {
    int length = Math.min(LONGEST, bytes.length());
    return format.equals(formatOf(bytes.getBytes(0, length), length));
  }

  private static boolean startsWith(byte[] head, int length, byte[] signature) {
    return length >= signature.length && Arrays.equals(head, 0, signature.length, signature, 0, signature.length);
  }
}
