package tcpbalancer.backend;

import java.awt.image.BufferedImage;
import org.imgscalr.Scalr;
import org.imgscalr.Scalr.Rotation;

/**
 * The EXIF orientation of a stored image, and how to turn it upright. Values 1..8 as in the EXIF
 * specification (tag 0x0112); anything else is treated as {@link #NORMAL}.
 */
enum Orientation {
  NORMAL(),
  FLIP_HORIZONTAL(Rotation.FLIP_HORZ),
  ROTATE_180(Rotation.CW_180),
  FLIP_VERTICAL(Rotation.FLIP_VERT),
  TRANSPOSE(Rotation.CW_90, Rotation.FLIP_HORZ),
  ROTATE_90(Rotation.CW_90),
  TRANSVERSE(Rotation.CW_270, Rotation.FLIP_HORZ),
  ROTATE_270(Rotation.CW_270);

  private final Rotation[] steps;

  Orientation(Rotation... steps) {
    this.steps = steps;
  }

  static Orientation fromExif(int value) {
    return value >= 1 && value <= 8 ? values()[value - 1] : NORMAL;
  }

  /** True when the stored image is sideways: its width is the upright image's height. */
  boolean swapsAxes() {
    return this == TRANSPOSE || this == ROTATE_90 || this == TRANSVERSE || this == ROTATE_270;
  }

  BufferedImage apply(BufferedImage image) {
    BufferedImage result = image;
    for (Rotation step : steps) {
      result = Scalr.rotate(result, step);
    }
    return result;
  }
}
