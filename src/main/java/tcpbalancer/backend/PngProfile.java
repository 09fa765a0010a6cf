package tcpbalancer.backend;

import java.awt.color.ColorSpace;
import java.awt.color.ICC_ColorSpace;
import java.awt.color.ICC_Profile;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * A PNG's embedded ICC profile (its {@code iCCP} chunk), which the JDK's PNG reader does not apply. Read from the
 * chunks before the image data rather than from ImageIO's metadata: that would inflate every compressed text chunk
 * too, without a bound, and a small file can inflate to gigabytes.
 */
final class PngProfile {

  /** An embedded profile is a few kilobytes; a larger one is ignored rather than held. */
  private static final int MAX_PROFILE_BYTES = 4 << 20;
  private static final int SIGNATURE_BYTES = 8;

  private PngProfile() {
  }

  /**
   * The RGB colour space of {@code png}'s {@code iCCP} chunk; null when it has none, when an {@code sRGB} chunk says
   * the image is sRGB anyway, or when the profile cannot be read (the samples are then shown as stored, as browsers
   * do).
   */
  static ICC_ColorSpace of(byte[] png) {
    byte[] compressed = null;
    for (int at = SIGNATURE_BYTES; at + 8 <= png.length; ) {
      long length = Integer.toUnsignedLong(readInt(png, at));
      String type = new String(png, at + 4, 4, StandardCharsets.US_ASCII);
      long end = at + 8 + length;
      if (type.equals("sRGB")) {
        return null;
      }
      if (type.equals("IDAT") || end > png.length) {
        break; // the colour chunks come before the image data
      }
      if (type.equals("iCCP")) {
        compressed = profileBytes(png, at + 8, (int) length);
      }
      at = (int) end + 4; // and the chunk's CRC
    }
    if (compressed == null) {
      return null;
    }
    try {
      ICC_Profile profile = ICC_Profile.getInstance(inflate(compressed));
      return profile.getColorSpaceType() == ColorSpace.TYPE_RGB ? new ICC_ColorSpace(profile) : null;
    } catch (IllegalArgumentException | DataFormatException e) {
      return null;
    }
  }

  /** iCCP: a profile name of 1 to 79 bytes, a NUL, the compression method (0, zlib), the compressed profile. */
  private static byte[] profileBytes(byte[] png, int from, int length) {
    for (int at = from; at < from + Math.min(length, 81); at++) {
      if (png[at] == 0) {
        int start = at + 2;
        return start <= from + length ? java.util.Arrays.copyOfRange(png, start, from + length) : null;
      }
    }
    return null;
  }

  private static byte[] inflate(byte[] compressed) throws DataFormatException {
    Inflater inflater = new Inflater();
    try {
      inflater.setInput(compressed);
      ByteArrayOutputStream out = new ByteArrayOutputStream(compressed.length * 4);
      byte[] chunk = new byte[8192];
      while (!inflater.finished()) {
        int n = inflater.inflate(chunk);
        if (n == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
          throw new DataFormatException("the iCCP chunk's profile is cut short");
        }
        out.write(chunk, 0, n);
        if (out.size() > MAX_PROFILE_BYTES) {
          throw new DataFormatException("the iCCP chunk's profile is over " + MAX_PROFILE_BYTES + " bytes");
        }
      }
      return out.toByteArray();
    } finally {
      inflater.end();
    }
  }

  private static int readInt(byte[] bytes, int at) {
    return (bytes[at] & 0xFF) << 24 | (bytes[at + 1] & 0xFF) << 16 | (bytes[at + 2] & 0xFF) << 8 | (bytes[at + 3] & 0xFF);
  }
}
