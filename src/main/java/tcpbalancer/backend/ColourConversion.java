package tcpbalancer.backend;

import java.awt.color.ColorSpace;
import java.awt.color.ICC_ColorSpace;
import java.awt.color.ICC_Profile;
import java.awt.image.BufferedImage;
import java.awt.image.ColorConvertOp;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.metadata.IIOMetadataNode;
import org.w3c.dom.Node;

/**
 * Brings an RGB image with an embedded ICC profile other than sRGB into sRGB, so that results need no profile (and
 * carry none). TwelveMonkeys' JPEG and WebP readers convert to sRGB themselves; the TIFF reader labels the image with
 * its profile, and the JDK's PNG reader ignores a PNG's {@code iCCP} chunk altogether.
 *
 * <p>The conversion is deferred to the resized image, which has far fewer pixels: the decoded samples are scaled as
 * they are stored (both spaces are gamma-encoded, so the filter treats them alike), then converted once. Grey
 * images keep their samples: a grey result stays grey.
 */
final class ColourConversion {

  private static final String PNG_FORMAT = "javax_imageio_png_1.0";
  private static final ColorSpace SRGB = ColorSpace.getInstance(ColorSpace.CS_sRGB);
  /** An embedded profile is a few kilobytes; a larger inflated one is refused rather than held. */
  private static final int MAX_PROFILE_BYTES = 4 << 20;

  /** An image to resize as it is, and the RGB space its samples are really in (null when sRGB). */
  record Deferred(BufferedImage image, ICC_ColorSpace space) {

    /** {@code resized}, whose samples are in {@link #space}, converted to sRGB. */
    BufferedImage toSrgb(BufferedImage resized) {
      if (space == null) {
        return resized;
      }
      WritableRaster raster = resized.getRaster();
      WritableRaster colours = raster.createWritableChild(0, 0, raster.getWidth(), raster.getHeight(), 0, 0,
        new int[] {0, 1, 2});
      new ColorConvertOp(space, SRGB, null).filter(colours, colours);
      return resized;
    }
  }

  private ColourConversion() {
  }

  /**
   * The decoded image, labelled sRGB with its samples untouched, and the space to convert its resized samples from.
   * {@code metadata}: the reader's image metadata, where a PNG keeps its profile.
   */
  static Deferred defer(BufferedImage decoded, IIOMetadata metadata) {
    ColorModel model = decoded.getColorModel();
    ColorSpace space = model.getColorSpace();
    if (space.getType() != ColorSpace.TYPE_RGB || model.getNumColorComponents() != 3) {
      return new Deferred(decoded, null);
    }
    ICC_ColorSpace embedded = space.isCS_sRGB() ? pngProfile(metadata) : space instanceof ICC_ColorSpace icc ? icc : null;
    if (embedded == null) {
      return new Deferred(decoded, null);
    }
    if (!(model instanceof ComponentColorModel) || decoded.isAlphaPremultiplied()) {
      // No way to relabel these samples: convert the whole image now.
      return new Deferred(new ColorConvertOp(SRGB, null).filter(decoded, null), null);
    }
    return new Deferred(relabelled(decoded, (ComponentColorModel) model), embedded);
  }

  /** The same raster under an sRGB colour model, so that drawing it copies its samples instead of converting them. */
  private static BufferedImage relabelled(BufferedImage image, ComponentColorModel model) {
    ColorModel srgb = new ComponentColorModel(SRGB, model.getComponentSize(), model.hasAlpha(), false,
      model.getTransparency(), model.getTransferType());
    return new BufferedImage(srgb, image.getRaster(), false, null);
  }

  /** A PNG's {@code iCCP} profile, when it is an RGB one and no {@code sRGB} chunk overrides it; else null. */
  private static ICC_ColorSpace pngProfile(IIOMetadata metadata) {
    if (metadata == null || !Arrays.asList(metadata.getMetadataFormatNames()).contains(PNG_FORMAT)) {
      return null;
    }
    IIOMetadataNode iccp = null;
    for (Node node = metadata.getAsTree(PNG_FORMAT).getFirstChild(); node != null; node = node.getNextSibling()) {
      if ("sRGB".equals(node.getNodeName())) {
        return null;
      }
      if ("iCCP".equals(node.getNodeName())) {
        iccp = (IIOMetadataNode) node;
      }
    }
    if (iccp == null || !(iccp.getUserObject() instanceof byte[] compressed)) {
      return null;
    }
    try {
      ICC_Profile profile = ICC_Profile.getInstance(inflate(compressed));
      return profile.getColorSpaceType() == ColorSpace.TYPE_RGB ? new ICC_ColorSpace(profile) : null;
    } catch (IllegalArgumentException | DataFormatException e) {
      return null; // a broken profile: show the samples as stored, as every browser does
    }
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
}
