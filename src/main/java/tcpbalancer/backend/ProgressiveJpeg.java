package tcpbalancer.backend;

import java.util.Arrays;
import javax.imageio.metadata.IIOMetadata;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * Tells whether a JPEG's first scan holds the DC coefficient of every component, as progressive JPEGs from
 * libjpeg's default scan script do. Such an image can be read from that first scan alone when the result is
 * at most an eighth of its size: the DC of each 8x8 block is the block's mean, so the later scans only add
 * detail finer than one result pixel, and decoding them is most of a progressive image's cost.
 *
 * <p>The image is then cut after its first scan ({@link #firstScanOnly}) rather than read with ImageIO's limit
 * on progressive passes: past that limit, the JDK's reader still walks the rest of the file a byte at a time to
 * find its end.
 */
final class ProgressiveJpeg {

  static final String NATIVE_FORMAT = "javax_imageio_jpeg_image_1.0";
  /** The size of a JPEG block, each way: the first scan alone carries the image at this fraction. */
  static final int BLOCK = 8;
  /** Marker codes: start of image, end of image, start of scan. */
  private static final int SOI = 0xD8;
  private static final int EOI = 0xD9;
  private static final int SOS = 0xDA;

  private ProgressiveJpeg() {
  }

  /** True when the image's first scan carries the DC coefficients of all its components, and nothing else. */
  static boolean firstScanHoldsEveryDc(IIOMetadata metadata) {
    if (metadata == null || !Arrays.asList(metadata.getMetadataFormatNames()).contains(NATIVE_FORMAT)) {
      return false;
    }
    return firstScanHoldsEveryDc(metadata.getAsTree(NATIVE_FORMAT));
  }

  static boolean firstScanHoldsEveryDc(Node tree) {
    Element root = (Element) tree;
    Element frame = first(root, "sof");
    Element scan = first(root, "sos");
    if (frame == null || scan == null || !"2".equals(frame.getAttribute("process"))) {
      return false;
    }
    boolean dcOnly = "0".equals(scan.getAttribute("startSpectralSelection"))
      && "0".equals(scan.getAttribute("endSpectralSelection"))
      && "0".equals(scan.getAttribute("approxHigh"));
    int frameComponents = frame.getElementsByTagName("componentSpec").getLength();
    int scanComponents = scan.getElementsByTagName("scanComponentSpec").getLength();
    return dcOnly && frameComponents > 0 && scanComponents == frameComponents;
  }

  /**
   * The file's bytes up to the end of its first scan, closed with an EOI marker; null when the markers cannot be
   * followed that far. JPEG markers are FF and a code; all but a few standalone ones carry a two-byte length, and
   * a scan's entropy-coded data, after its SOS header, runs to the first FF that is not a stuffed FF 00, a
   * restart marker or a fill byte.
   */
  static byte[] firstScanOnly(byte[] jpeg) {
    int end = endOfFirstScan(jpeg);
    if (end < 0) {
      return null;
    }
    byte[] cut = Arrays.copyOf(jpeg, end + 2);
    cut[end] = (byte) 0xFF;
    cut[end + 1] = (byte) EOI;
    return cut;
  }

  private static int endOfFirstScan(byte[] jpeg) {
    int at = 0;
    while (at + 1 < jpeg.length) {
      if (jpeg[at] != (byte) 0xFF) {
        return -1;
      }
      int marker = jpeg[at + 1] & 0xFF;
      if (marker == 0xFF) {
        at++; // a fill byte before the marker
      } else if (marker == SOI || isRestart(marker)) {
        at += 2;
      } else if (marker == EOI || at + 3 >= jpeg.length) {
        return -1;
      } else {
        int next = at + 2 + ((jpeg[at + 2] & 0xFF) << 8 | (jpeg[at + 3] & 0xFF));
        if (marker == SOS) {
          return endOfEntropyCodedData(jpeg, next);
        }
        at = next;
      }
    }
    return -1;
  }

  private static int endOfEntropyCodedData(byte[] jpeg, int from) {
    for (int at = from; at + 1 < jpeg.length; at++) {
      if (jpeg[at] == (byte) 0xFF) {
        int next = jpeg[at + 1] & 0xFF;
        if (next != 0 && next != 0xFF && !isRestart(next)) {
          return at;
        }
      }
    }
    return -1;
  }

  private static boolean isRestart(int marker) {
    return marker >= 0xD0 && marker <= 0xD7;
  }

  private static Element first(Element root, String tag) {
    NodeList nodes = root.getElementsByTagName(tag);
    return nodes.getLength() == 0 ? null : (Element) nodes.item(0);
  }
}
