package tcpbalancer.backend;

import java.awt.Rectangle;

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
}
