package tcpbalancer.backend;

import java.awt.color.ColorSpace;
import java.awt.color.ICC_ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorConvertOp;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.WritableRaster;

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

  private static final ColorSpace SRGB = ColorSpace.getInstance(ColorSpace.CS_sRGB);

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
   * {@code pngProfile}: a PNG's own profile ({@link PngProfile}), which the JDK's reader leaves out of the image.
   */
  static Deferred defer(BufferedImage decoded, ICC_ColorSpace pngProfile) {
    ColorModel model = decoded.getColorModel();
    ColorSpace space = model.getColorSpace();
    if (space.getType() != ColorSpace.TYPE_RGB || model.getNumColorComponents() != 3) {
      return new Deferred(decoded, null);
    }
    ICC_ColorSpace embedded = space.isCS_sRGB() ? pngProfile : space instanceof ICC_ColorSpace icc ? icc : null;
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
}
