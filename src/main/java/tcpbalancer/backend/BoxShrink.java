package tcpbalancer.backend;

import java.awt.AlphaComposite;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.ComponentSampleModel;
import java.awt.image.DataBuffer;
import java.awt.image.DataBufferByte;
import java.awt.image.DataBufferInt;
import java.awt.image.Raster;
import java.awt.image.SinglePixelPackedSampleModel;

/**
 * Shrinks a decoded image before imgscalr scales it, as libvips's shrink-on-load and its reduce do: to
 * {@link #HEADROOM} times the result each way, each pixel of the smaller image the mean of the source area it
 * covers (an area average: every source pixel counts for its share, so nothing aliases, unlike subsampling;
 * {@link AreaWeights}: pixels on a boundary count in both for their share), and imgscalr's ULTRA_QUALITY bicubic steps
 * take it the rest of the way. Those steps cost the same per pixel they draw (Java 2D's bicubic loops, about 45 ns a
 * pixel, 70 into an image with alpha), so drawing fewer is what saves the time; the area average costs a few
 * nanoseconds a source pixel. It also stands in for imgscalr's QUALITY step down to that size, which drew as many
 * pixels again (a bicubic step from up to 3 times), at no loss: as close to a full-size resize, closer at most sizes.
 *
 * <p>The smaller image is in the int layouts Java 2D draws from with its fast loops (RGB, premultiplied ARGB):
 * averaging colours weighted by their alpha, so that the colour of a transparent pixel does not bleed into its
 * neighbours. It reads the custom byte layout {@link SourceDecoder} has PNGs decoded into when they are to be shrunk
 * (R, G, B, A order, which the PNG reader copies a row at a time; Java 2D has only its slow generic loops for it)
 * where it is stored. Samples are taken as stored, as Java 2D's loops take them (grey copied into red, green and
 * blue).
 */
final class BoxShrink {

  /**
   * The shrunk image keeps this many pixels per result pixel, each way: where imgscalr's finer bicubic steps
   * (ULTRA_QUALITY, a seventh off each) begin. Below it the area average is softer than those steps
   * (bench/RESULTS.md, "Shrinking before imgscalr").
   */
  static final double HEADROOM = 1.5;

  /** The size an image is shrunk to for {@code target}: {@link #HEADROOM} times it each way, rounded down. */
  static ImageResizer.Dimensions headroom(ImageResizer.Dimensions target) {
    return new ImageResizer.Dimensions((int) (target.width() * HEADROOM), (int) (target.height() * HEADROOM));
  }

  /** True when an image of {@code width} x {@code height} is larger than {@link #headroom} each way. */
  static boolean shrinks(int width, int height, ImageResizer.Dimensions target) {
    ImageResizer.Dimensions headroom = headroom(target);
    return width > headroom.width() && height > headroom.height();
  }

  /** {@code image} shrunk to {@link #headroom} for {@code target}, or itself when it is no larger each way. */
  static BufferedImage toward(BufferedImage image, ImageResizer.Dimensions target) {
    if (!shrinks(image.getWidth(), image.getHeight(), target)) {
      return image;
    }
    ImageResizer.Dimensions headroom = headroom(target);
    return shrink(image, headroom.width(), headroom.height());
  }

  /**
   * {@code image} shrunk to {@code outWidth} x {@code outHeight} pixels (each at most the source's), each the mean of
   * the area of the source it covers, so that the smaller image covers exactly the source (where the ratio is not
   * whole, edge pixels count for their share in both neighbours): leaving out the remainder, or putting it all in the
   * last pixels, shifted the result by up to half a pixel, and cost up to 8 dB of PSNR.
   */
  static BufferedImage shrink(BufferedImage image, int outWidth, int outHeight) {
    RowSource source = inStoredBytes(image) ? new ByteRows(image) : new IntRows(asInts(image));
    int width = image.getWidth();
    int height = image.getHeight();
    AreaWeights columns = AreaWeights.of(width, outWidth);
    AreaWeights rows = AreaWeights.of(height, outHeight);
    boolean alpha = source.alpha();
    BufferedImage shrunk = new BufferedImage(outWidth, outHeight,
      alpha ? BufferedImage.TYPE_INT_ARGB_PRE : BufferedImage.TYPE_INT_RGB);
    int[] out = ((DataBufferInt) shrunk.getRaster().getDataBuffer()).getData();
    // Per output column: alpha, then red, green and blue, each times alpha (times 255 when opaque), times weights.
    long[] row = new long[outWidth * 4];
    long[] current = new long[outWidth * 4];
    long[] next = new long[outWidth * 4];
    // Every output pixel weighs width x height units in all (see AreaWeights).
    double perAlpha = 1.0 / ((double) width * height);
    double perColour = perAlpha / 255;
    int outY = 0;
    for (int y = 0; y < height; y++) {
      if (rows.first[y] > outY) {
        write(current, out, outY * outWidth, alpha, perAlpha, perColour);
        long[] done = current;
        current = next;
        next = done;
        java.util.Arrays.fill(next, 0);
        outY = rows.first[y];
      }
      java.util.Arrays.fill(row, 0);
      source.add(y, columns, row);
      long w0 = rows.weight[y];
      long w1 = rows.units - w0;
      for (int i = 0; i < row.length; i++) {
        current[i] += row[i] * w0;
      }
      if (w1 != 0) {
        for (int i = 0; i < row.length; i++) {
          next[i] += row[i] * w1;
        }
      }
    }
    write(current, out, outY * outWidth, alpha, perAlpha, perColour);
    return shrunk;
  }

  private static void write(long[] sums, int[] out, int at, boolean alpha, double perAlpha, double perColour) {
    for (int x = 0; x < sums.length / 4; x++) {
      int a = alpha ? (int) (sums[4 * x] * perAlpha + 0.5) : 0xFF;
      out[at + x] = a << 24 | (int) (sums[4 * x + 1] * perColour + 0.5) << 16
        | (int) (sums[4 * x + 2] * perColour + 0.5) << 8 | (int) (sums[4 * x + 3] * perColour + 0.5);
    }
  }

  /** The rows of one image layout, read where they are stored. */
  private interface RowSource {
    boolean alpha();

    /**
     * Adds row {@code y}'s pixels to their output columns' sums, weighed by {@code columns}: alpha, and each colour
     * times alpha, so that the colour of a transparent pixel does not bleed into its neighbours.
     */
    void add(int y, AreaWeights columns, long[] sums);
  }

  /**
   * True for 8-bit samples in sRGB (or relabelled so, see {@link ColourConversion}) or grey, one byte each, not
   * premultiplied: the layouts read here directly.
   */
  private static boolean inStoredBytes(BufferedImage image) {
    ColorModel model = image.getColorModel();
    Raster raster = image.getRaster();
    if (!(model instanceof ComponentColorModel) || model.isAlphaPremultiplied()
      || raster.getTransferType() != DataBuffer.TYPE_BYTE || !(raster.getSampleModel() instanceof ComponentSampleModel)
      || !(raster.getDataBuffer() instanceof DataBufferByte)) {
      return false;
    }
    ColorSpace space = model.getColorSpace();
    int colours = model.getNumColorComponents();
    boolean known = colours == 3 && space.isCS_sRGB() || colours == 1 && space.getType() == ColorSpace.TYPE_GRAY;
    for (int bits : model.getComponentSize()) {
      known &= bits == 8;
    }
    return known && model.getNumComponents() == raster.getNumBands();
  }

  private static final class ByteRows implements RowSource {
    private final byte[] data;
    private final int[] bandOffsets;
    private final int pixelStride;
    private final int scanlineStride;
    private final int origin;
    private final boolean alpha;
    private final boolean grey;
    private final int width;

    ByteRows(BufferedImage image) {
      Raster raster = image.getRaster();
      ComponentSampleModel model = (ComponentSampleModel) raster.getSampleModel();
      DataBufferByte buffer = (DataBufferByte) raster.getDataBuffer();
      data = buffer.getData();
      bandOffsets = model.getBandOffsets();
      pixelStride = model.getPixelStride();
      scanlineStride = model.getScanlineStride();
      // A sub-image (fill mode's crop) shares its parent's buffer from an offset.
      origin = buffer.getOffset() - raster.getSampleModelTranslateY() * scanlineStride
        - raster.getSampleModelTranslateX() * pixelStride;
      alpha = image.getColorModel().hasAlpha();
      grey = image.getColorModel().getNumColorComponents() == 1;
      width = image.getWidth();
    }

    @Override
    public boolean alpha() {
      return alpha;
    }

    @Override
    public void add(int y, AreaWeights columns, long[] sums) {
      int at = origin + y * scanlineStride;
      int r = bandOffsets[0];
      int g = grey ? r : bandOffsets[1];
      int b = grey ? r : bandOffsets[2];
      int a = alpha ? bandOffsets[grey ? 1 : 3] : -1;
      AreaWeights.Row row = new AreaWeights.Row(columns, sums);
      for (int x = 0; x < width; x++, at += pixelStride) {
        int opacity = a < 0 ? 0xFF : data[at + a] & 0xFF;
        row.add(x, opacity, (data[at + r] & 0xFF) * opacity, (data[at + g] & 0xFF) * opacity,
          (data[at + b] & 0xFF) * opacity);
      }
      row.flush();
    }
  }

  /** The standard int layouts; any other layout is first drawn into one by Java 2D, as imgscalr would draw it. */
  private static BufferedImage asInts(BufferedImage image) {
    int type = image.getType();
    if (type == BufferedImage.TYPE_INT_RGB || type == BufferedImage.TYPE_INT_ARGB
      || type == BufferedImage.TYPE_INT_ARGB_PRE) {
      return image;
    }
    BufferedImage ints = new BufferedImage(image.getWidth(), image.getHeight(),
      image.getColorModel().hasAlpha() ? BufferedImage.TYPE_INT_ARGB_PRE : BufferedImage.TYPE_INT_RGB);
    var graphics = ints.createGraphics();
    try {
      graphics.setComposite(AlphaComposite.Src);
      graphics.drawImage(image, 0, 0, null);
    } finally {
      graphics.dispose();
    }
    return ints;
  }

  private static final class IntRows implements RowSource {
    private final int[] data;
    private final int scanlineStride;
    private final int origin;
    private final int width;
    private final boolean alpha;
    private final boolean premultiplied;

    IntRows(BufferedImage image) {
      Raster raster = image.getRaster();
      SinglePixelPackedSampleModel model = (SinglePixelPackedSampleModel) raster.getSampleModel();
      DataBufferInt buffer = (DataBufferInt) raster.getDataBuffer();
      data = buffer.getData();
      scanlineStride = model.getScanlineStride();
      origin = buffer.getOffset() - raster.getSampleModelTranslateY() * scanlineStride
        - raster.getSampleModelTranslateX();
      width = image.getWidth();
      alpha = image.getType() != BufferedImage.TYPE_INT_RGB; // whose top byte is not alpha, and may hold anything
      premultiplied = image.getType() == BufferedImage.TYPE_INT_ARGB_PRE;
    }

    @Override
    public boolean alpha() {
      return alpha;
    }

    @Override
    public void add(int y, AreaWeights columns, long[] sums) {
      int at = origin + y * scanlineStride;
      AreaWeights.Row row = new AreaWeights.Row(columns, sums);
      for (int x = 0; x < width; x++, at++) {
        int p = data[at];
        // Colours weigh as alpha: stored times it, or already times it (premultiplied: then scaled to match).
        int weight = !alpha ? 0xFF : premultiplied ? 0xFF : p >>> 24;
        row.add(x, alpha ? p >>> 24 : 0xFF, (p >> 16 & 0xFF) * weight, (p >> 8 & 0xFF) * weight, (p & 0xFF) * weight);
      }
      row.flush();
    }
  }
}
