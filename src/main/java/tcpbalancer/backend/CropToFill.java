package tcpbalancer.backend;

import java.awt.Rectangle;
import java.awt.image.BufferedImage;

/**
 * The part of a source that {@code fill} mode keeps: the largest centred region with the box's aspect ratio. Cropping
 * it before decoding (ImageIO reads only that region) and then scaling it to exactly the box is the same as scaling
 * the source to cover the box and cutting the overflow evenly from both sides, as imgproxy's {@code fill} and sharp's
 * {@code cover} do, without ever holding the overflow.
 */
final class CropToFill {

  private CropToFill() {
  }

  static Rectangle region(int sourceWidth, int sourceHeight, int boxWidth, int boxHeight) {
    // Compare sourceWidth / sourceHeight with boxWidth / boxHeight without rounding either.
    long wide = (long) sourceWidth * boxHeight;
    long tall = (long) sourceHeight * boxWidth;
    int width = sourceWidth;
    int height = sourceHeight;
    if (wide > tall) {
      width = (int) Math.max(1, Math.min(sourceWidth, Math.round((double) sourceHeight * boxWidth / boxHeight)));
    } else if (tall > wide) {
      height = (int) Math.max(1, Math.min(sourceHeight, Math.round((double) sourceWidth * boxHeight / boxWidth)));
    }
    return new Rectangle((sourceWidth - width) / 2, (sourceHeight - height) / 2, width, height);
  }

  /**
   * {@code decoded}, read for {@code region} with a subsampling {@code step}, cut to that region when the whole image
   * was read instead: a WebP is, as TwelveMonkeys 3.12's WebP reader returns wrong pixels for a region without
   * subsampling (its issue #1168, fixed in 3.14).
   */
  static BufferedImage ofRegion(BufferedImage decoded, Rectangle region, int sourceWidth, int sourceHeight, int step) {
    // ImageIO's contract: a subsampled region of n pixels is read as ceil(n / step) pixels.
    if (decoded.getWidth() == (region.width + step - 1) / step
      && decoded.getHeight() == (region.height + step - 1) / step) {
      return decoded;
    }
    return cut(decoded, region, sourceWidth, sourceHeight);
  }

  /** The part of {@code decoded}, a whole source scaled by any factor, that {@code region} of the source covers. */
  static BufferedImage cut(BufferedImage decoded, Rectangle region, int sourceWidth, int sourceHeight) {
    double scaleX = (double) decoded.getWidth() / sourceWidth;
    double scaleY = (double) decoded.getHeight() / sourceHeight;
    int x = (int) Math.floor(region.x * scaleX);
    int y = (int) Math.floor(region.y * scaleY);
    int width = (int) Math.max(1, Math.min(decoded.getWidth() - x, Math.round(region.width * scaleX)));
    int height = (int) Math.max(1, Math.min(decoded.getHeight() - y, Math.round(region.height * scaleY)));
    return decoded.getSubimage(x, y, width, height);
  }
}
