package tcpbalancer.client;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Set;

/**
 * The first bytes that make a file an image of a format the backends read (JPEG, PNG, WebP, BMP, TIFF, GIF), whatever
 * its name says.
 */
final class ImageSignatures {

  private static final byte[] PNG = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  private static final byte[] JPEG = {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF};
  private static final byte[] GIF87 = ascii("GIF87a");
  private static final byte[] GIF89 = ascii("GIF89a");
  private static final byte[] TIFF_LITTLE_ENDIAN = {'I', 'I', 42, 0};
  private static final byte[] TIFF_BIG_ENDIAN = {'M', 'M', 0, 42};
  private static final byte[] RIFF = ascii("RIFF");
  private static final byte[] WEBP = ascii("WEBP");
  private static final byte[] BMP = ascii("BM");
  /** The sizes of the BMP info headers (BITMAPCOREHEADER to BITMAPV5HEADER): "BM" alone starts too many texts. */
  private static final Set<Integer> BMP_INFO_HEADER_SIZES = Set.of(12, 16, 40, 52, 56, 64, 108, 124);
  /** Bytes to read for {@link #formatOf}: a BMP's info header size ends at byte 18. */
  static final int LONGEST = 18;

  private ImageSignatures() {
  }

  /**
   * {@code jpeg}, {@code png}, {@code webp}, {@code bmp}, {@code tiff} or {@code gif} for the first {@code length}
   * bytes of {@code head}, or null.
   */
  static String formatOf(byte[] head, int length) {
    if (startsWith(head, length, PNG, 0)) {
      return "png";
    }
    if (startsWith(head, length, JPEG, 0)) {
      return "jpeg";
    }
    if (startsWith(head, length, GIF87, 0) || startsWith(head, length, GIF89, 0)) {
      return "gif";
    }
    if (startsWith(head, length, TIFF_LITTLE_ENDIAN, 0) || startsWith(head, length, TIFF_BIG_ENDIAN, 0)) {
      return "tiff";
    }
    if (startsWith(head, length, RIFF, 0) && startsWith(head, length, WEBP, 8)) {
      return "webp";
    }
    if (startsWith(head, length, BMP, 0) && length >= LONGEST && BMP_INFO_HEADER_SIZES.contains(littleEndian(head, 14))) {
      return "bmp";
    }
    return null;
  }

  /** Whether {@code bytes} begin as an image of {@code format} does. */
  static boolean isA(String format, Buffer bytes) {
    int length = Math.min(LONGEST, bytes.length());
    return format.equals(formatOf(bytes.getBytes(0, length), length));
  }

  private static boolean startsWith(byte[] head, int length, byte[] signature, int at) {
    return length >= at + signature.length
      && Arrays.equals(head, at, at + signature.length, signature, 0, signature.length);
  }

  private static int littleEndian(byte[] head, int at) {
    return (head[at] & 0xFF) | (head[at + 1] & 0xFF) << 8 | (head[at + 2] & 0xFF) << 16 | (head[at + 3] & 0xFF) << 24;
  }

  private static byte[] ascii(String text) {
    return text.getBytes(StandardCharsets.US_ASCII);
  }
}
