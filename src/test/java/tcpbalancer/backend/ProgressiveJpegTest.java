package tcpbalancer.backend;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.metadata.IIOMetadataNode;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;
import org.junit.jupiter.api.Test;
import tcpbalancer.TestImages;

class ProgressiveJpegTest {

  @Test
  void libjpegsProgressiveScriptStartsWithEveryDc() throws Exception {
    assertThat(ProgressiveJpeg.firstScanHoldsEveryDc(metadataOf(TestImages.progressiveJpeg()))).isTrue();
  }

  @Test
  void baselineJpegsAreReadWhole() throws Exception {
    assertThat(ProgressiveJpeg.firstScanHoldsEveryDc(metadataOf(benchImage("forest-path_")))).isFalse();
    assertThat(ProgressiveJpeg.firstScanHoldsEveryDc(metadataOf(benchImage("dune_")))).isFalse();
  }

  @Test
  void aFirstScanWithTheLumaDcAloneIsNotEnough() {
    // Some encoders (mozjpeg) send each component's DC in its own scan: the first scan has no colour.
    assertThat(ProgressiveJpeg.firstScanHoldsEveryDc(tree(3, 1, 0))).isFalse();
    assertThat(ProgressiveJpeg.firstScanHoldsEveryDc(tree(3, 3, 0))).isTrue();
  }

  @Test
  void aFirstScanWithAcCoefficientsIsNotADcScan() {
    assertThat(ProgressiveJpeg.firstScanHoldsEveryDc(tree(3, 3, 5))).isFalse();
  }

  private static IIOMetadataNode tree(int frameComponents, int scanComponents, int endSpectralSelection) {
    IIOMetadataNode root = new IIOMetadataNode(ProgressiveJpeg.NATIVE_FORMAT);
    IIOMetadataNode markers = new IIOMetadataNode("markerSequence");
    IIOMetadataNode frame = new IIOMetadataNode("sof");
    frame.setAttribute("process", "2");
    for (int i = 1; i <= frameComponents; i++) {
      frame.appendChild(new IIOMetadataNode("componentSpec"));
    }
    IIOMetadataNode scan = new IIOMetadataNode("sos");
    scan.setAttribute("startSpectralSelection", "0");
    scan.setAttribute("endSpectralSelection", String.valueOf(endSpectralSelection));
    scan.setAttribute("approxHigh", "0");
    scan.setAttribute("approxLow", "1");
    for (int i = 1; i <= scanComponents; i++) {
      scan.appendChild(new IIOMetadataNode("scanComponentSpec"));
    }
    markers.appendChild(frame);
    markers.appendChild(scan);
    root.appendChild(markers);
    return root;
  }

  private static byte[] benchImage(String prefix) {
    return TestImages.read(TestImages.benchImage(prefix));
  }

  private static IIOMetadata metadataOf(byte[] jpeg) throws Exception {
    ImageInputStream input = new MemoryCacheImageInputStream(new ByteArrayInputStream(jpeg));
    ImageReader reader = ImageIO.getImageReaders(input).next();
    try {
      reader.setInput(input, true, true);
      return reader.getImageMetadata(0);
    } finally {
      reader.dispose();
    }
  }
}
