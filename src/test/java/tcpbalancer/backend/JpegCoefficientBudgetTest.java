package tcpbalancer.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import tcpbalancer.TestImages;
import tcpbalancer.protocol.Status;
import tcpbalancer.protocol.StatusException;

class JpegCoefficientBudgetTest {

  private static final long MIB = 1 << 20;
  /**
   * TestImages' progressive JPEG: 2560x1600 at 4:2:0, as the JDK's writer samples it: 320x200 luma blocks and
   * 160x100 of each chroma's, 64 coefficients of 2 bytes a block.
   */
  private static final long FOREST_COEFFICIENTS = (320 * 200 + 2 * 160 * 100) * 128L;

  @Test
  void aProgressiveJpegNeedsEveryCoefficientOfItsComponents() {
    assertThat(JpegCoefficientBudget.progressiveCoefficientBytes(TestImages.progressiveJpeg()))
      .isEqualTo(FOREST_COEFFICIENTS);
  }

  @Test
  void baselineJpegsOtherFormatsAndDamagedHeadersNeedNone() {
    byte[] baseline = TestImages.read(TestImages.benchImage("forest-path_"));
    assertThat(JpegCoefficientBudget.progressiveCoefficientBytes(baseline)).isZero();
    assertThat(JpegCoefficientBudget.progressiveCoefficientBytes(TestImages.synthetic(64, 64, "png"))).isZero();
    assertThat(JpegCoefficientBudget.progressiveCoefficientBytes(new byte[0])).isZero();
    byte[] progressive = TestImages.progressiveJpeg();
    int frame = indexOfSof2(progressive);
    assertThat(JpegCoefficientBudget.progressiveCoefficientBytes(Arrays.copyOf(progressive, frame + 6))).isZero();
  }

  @Test
  void aDecodeThatDoesNotFitBesideAnotherIsBusyAfterItsWaitAndFitsOnceTheOtherEnds() {
    JpegCoefficientBudget budget = new JpegCoefficientBudget(20 * MIB, 0);
    byte[] progressive = TestImages.progressiveJpeg();
    JpegCoefficientBudget.Hold first = budget.hold(progressive);
    assertThat(budget.available()).isEqualTo(20 * MIB - FOREST_COEFFICIENTS);
    assertThatThrownBy(() -> budget.hold(progressive)).isInstanceOfSatisfying(StatusException.class, e -> {
      assertThat(e.status()).isEqualTo(Status.BUSY);
      assertThat(e.getMessage()).isEqualTo("decoding this progressive JPEG takes 11 MiB of native memory, and the"
        + " resize workers' 20 MiB for it stayed taken for 0 s; try again");
    });
    first.close();
    first.close(); // once only
    assertThat(budget.available()).isEqualTo(20 * MIB);
    budget.hold(progressive).close();
    assertThat(budget.available()).isEqualTo(20 * MIB);
  }

  @Test
  void aWaitingDecodeStartsWhenTheOneBeforeItEnds() throws Exception {
    JpegCoefficientBudget budget = new JpegCoefficientBudget(20 * MIB, 30);
    byte[] progressive = TestImages.progressiveJpeg();
    JpegCoefficientBudget.Hold first = budget.hold(progressive);
    CompletableFuture<JpegCoefficientBudget.Hold> second = CompletableFuture.supplyAsync(() -> budget.hold(progressive));
    first.close();
    second.get(10, TimeUnit.SECONDS).close();
    assertThat(budget.available()).isEqualTo(20 * MIB);
  }

  @Test
  void oneLargerThanTheWholeBudgetRunsAloneAndOthersNeedNothing() {
    JpegCoefficientBudget budget = new JpegCoefficientBudget(4 * MIB, 0);
    JpegCoefficientBudget.Hold alone = budget.hold(TestImages.progressiveJpeg());
    assertThat(budget.available()).isZero();
    assertThat(budget.hold(TestImages.synthetic(64, 64, "jpg"))).isSameAs(JpegCoefficientBudget.NOTHING);
    assertThatThrownBy(() -> budget.hold(TestImages.progressiveJpeg()))
      .isInstanceOfSatisfying(StatusException.class, e -> assertThat(e.status()).isEqualTo(Status.BUSY));
    alone.close();
    assertThat(budget.available()).isEqualTo(4 * MIB);
  }

  private static int indexOfSof2(byte[] jpeg) {
    for (int i = 0; i + 1 < jpeg.length; i++) {
      if ((jpeg[i] & 0xFF) == 0xFF && (jpeg[i + 1] & 0xFF) == 0xC2) {
        return i;
      }
    }
    throw new IllegalStateException("no SOF2 marker");
  }
}
