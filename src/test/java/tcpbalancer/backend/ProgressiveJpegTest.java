package tcpbalancer.backend;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.util.Arrays;
import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
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

  @Test
  void theCutFileReadsAsTheFirstScanOfTheWholeOne() throws Exception {
    byte[] progressive = TestImages.progressiveJpeg();
    byte[] cut = ProgressiveJpeg.firstScanOnly(progressive);

    assertThat(cut).isNotNull();
    assertThat(cut.length).isLessThan(progressive.length / 2);
    assertThat(Arrays.copyOf(cut, cut.length - 2)).isEqualTo(Arrays.copyOf(progressive, cut.length - 2));
    assertThat(Arrays.copyOfRange(cut, cut.length - 2, cut.length)).containsExactly(0xFF, 0xD9);
    BufferedImage firstPass = read(progressive, 1);
    BufferedImage fromCut = read(cut, Integer.MAX_VALUE);
    assertThat(fromCut.getWidth()).isEqualTo(firstPass.getWidth());
    assertThat(fromCut.getHeight()).isEqualTo(firstPass.getHeight());
    for (int y = 0; y < firstPass.getHeight(); y += 7) {
      for (int x = 0; x < firstPass.getWidth(); x += 7) {
        assertThat(fromCut.getRGB(x, y)).as("pixel %d,%d", x, y).isEqualTo(firstPass.getRGB(x, y));
      }
    }
  }

  @Test
  void bytesThatAreNotMarkersAreNotCut() {
    assertThat(ProgressiveJpeg.firstScanOnly(new byte[] {(byte) 0xFF, (byte) 0xD8, 1, 2, 3})).isNull();
    assertThat(ProgressiveJpeg.firstScanOnly(new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xD9})).isNull();
    assertThat(ProgressiveJpeg.firstScanOnly(new byte[0])).isNull();
  }

  /** Reads the image's first {@code passes} progressive passes. */
  private static BufferedImage read(byte[] jpeg, int passes) throws Exception {
    ImageInputStream input = new MemoryCacheImageInputStream(new ByteArrayInputStream(jpeg));
    ImageReader reader = ImageIO.getImageReaders(input).next();
    try {
      reader.setInput(input, true, true);
      ImageReadParam param = reader.getDefaultReadParam();
      param.setSourceProgressivePasses(0, passes);
      return reader.read(0, param);
    } finally {
      reader.dispose();
    }
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
