package tcpbalancer.backend;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.Rectangle;
import java.awt.image.BufferedImage;
import org.junit.jupiter.api.Test;

class CropToFillTest {

  @Test
  void theRegionIsTheLargestCentredOneWithTheBoxsAspectRatio() {
    assertThat(CropToFill.region(3000, 2000, 200, 200)).isEqualTo(new Rectangle(500, 0, 2000, 2000));
    assertThat(CropToFill.region(2000, 3000, 400, 200)).isEqualTo(new Rectangle(0, 1000, 2000, 1000));
    assertThat(CropToFill.region(640, 480, 320, 240)).as("same ratio: all of it").isEqualTo(new Rectangle(0, 0, 640, 480));
    assertThat(CropToFill.region(10_000, 1, 100, 100)).as("never empty").isEqualTo(new Rectangle(4999, 0, 1, 1));
  }

  @Test
  void aReaderThatIgnoredTheRegionIsCutToIt() {
    Rectangle region = new Rectangle(20, 0, 60, 60);
    BufferedImage whole = new BufferedImage(50, 30, BufferedImage.TYPE_INT_RGB); // 100x60 read with step 2

    BufferedImage cut = CropToFill.ofRegion(whole, region, 100, 60, 2);

    assertThat(new int[] {cut.getWidth(), cut.getHeight()}).containsExactly(30, 30);
    BufferedImage honoured = new BufferedImage(30, 30, BufferedImage.TYPE_INT_RGB);
    assertThat(CropToFill.ofRegion(honoured, region, 100, 60, 2)).isSameAs(honoured);
  }
}
