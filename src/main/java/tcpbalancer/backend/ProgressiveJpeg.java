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
 */
final class ProgressiveJpeg {

  static final String NATIVE_FORMAT = "javax_imageio_jpeg_image_1.0";
  /** The size of a JPEG block, each way: the first scan alone carries the image at this fraction. */
  static final int BLOCK = 8;

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

  private static Element first(Element root, String tag) {
    NodeList nodes = root.getElementsByTagName(tag);
    return nodes.getLength() == 0 ? null : (Element) nodes.item(0);
  }
}
