package tcpbalancer.backend;

import com.twelvemonkeys.imageio.color.ColorSpaces;
import java.awt.color.ICC_Profile;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Whether a JPEG's own colour profile (APP2 "ICC_PROFILE" segments) leaves its pixels as they are stored: none, an
 * sRGB one, or a grey one. libjpeg-turbo hands over the stored pixels and ignores the profile, so an image
 * whose profile would change its colours (Adobe RGB, a camera's) is left to ImageIO's read, where the profile is
 * applied: both paths then give the same colours.
 */
final class EmbeddedIccProfile {

  private static final byte[] ICC_TAG = "ICC_PROFILE\0".getBytes(StandardCharsets.US_ASCII);
  private static final int APP2 = 0xE2;
  private static final int SOS = 0xDA;

  private EmbeddedIccProfile() {
  }

  /** True when the file carries no profile at all. */
  static boolean none(byte[] jpeg) {
    return profileBytes(jpeg).length == 0;
  }

  /** True when the file carries no profile, or one that is sRGB or grey (the pixels stand as stored). */
  static boolean leavesPixelsAsStored(byte[] jpeg) {
    byte[] profile = profileBytes(jpeg);
    if (profile.length == 0) {
      return true;
    }
    try {
      ICC_Profile icc = ICC_Profile.getInstance(profile);
      return ColorSpaces.isCS_sRGB(icc) || ColorSpaces.isCS_GRAY(icc) || describedAsSrgb(icc);
    } catch (IllegalArgumentException e) {
      return false; // a broken profile: ImageIO decides what to make of it
    }
  }

  /**
   * True for the sRGB profiles that are not the JDK's own, byte for byte (which is all that ColorSpaces.isCS_sRGB
   * recognises), such as HP's "sRGB IEC61966-2.1" that cameras and editors embed: an RGB profile whose
   * description (an ICC v2 'desc' tag) begins with "sRGB".
   */
  private static boolean describedAsSrgb(ICC_Profile icc) {
    if (icc.getColorSpaceType() != java.awt.color.ColorSpace.TYPE_RGB) {
      return false;
    }
    byte[] desc = icc.getData(ICC_Profile.icSigProfileDescriptionTag);
    // 'desc' type: the signature "desc", 4 reserved bytes, the ASCII count (with its NUL), the ASCII text
    if (desc == null || desc.length < 16 || !"desc".equals(new String(desc, 0, 4, StandardCharsets.US_ASCII))) {
      return false;
    }
    return new String(desc, 12, Math.min(4, desc.length - 12), StandardCharsets.US_ASCII).equals("sRGB");
  }

  /** The profile's chunks, in file order, joined (empty when there is none). */
  private static byte[] profileBytes(byte[] jpeg) {
    ByteArrayOutputStream profile = new ByteArrayOutputStream();
    int at = 2; // after SOI
    while (at + 3 < jpeg.length && jpeg[at] == (byte) 0xFF) {
      int marker = jpeg[at + 1] & 0xFF;
      if (marker == 0xFF) {
        at++; // fill byte
        continue;
      }
      if (marker == SOS) {
        break; // profiles come before the first scan
      }
      int length = (jpeg[at + 2] & 0xFF) << 8 | (jpeg[at + 3] & 0xFF);
      int data = at + 4;
      int end = at + 2 + length;
      if (length < 2 || end > jpeg.length) {
        break;
      }
      // "ICC_PROFILE\0", then the chunk's number and the count, then the chunk
      if (marker == APP2 && end - data > ICC_TAG.length + 2 && startsWith(jpeg, data, ICC_TAG)) {
        int chunk = data + ICC_TAG.length + 2;
        profile.write(jpeg, chunk, end - chunk);
      }
      at = end;
    }
    return profile.toByteArray();
  }

  private static boolean startsWith(byte[] bytes, int from, byte[] prefix) {
    for (int i = 0; i < prefix.length; i++) {
      if (bytes[from + i] != prefix[i]) {
        return false;
      }
    }
    return true;
  }
}
