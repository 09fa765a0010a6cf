package tcpbalancer.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import tcpbalancer.TestImages;
import tcpbalancer.protocol.ResizeMode;
import tcpbalancer.protocol.Status;
import tcpbalancer.protocol.StatusException;

class DecodeBudgetTest {

  private static final long MIB = 1 << 20;

  @Test
  void aReservationThatDoesNotFitNowIsBusyAndFitsOnceAnotherIsGivenBack() {
    DecodeBudget budget = new DecodeBudget(100 * MIB);
    DecodeBudget.Reservation first = budget.reserve(60 * MIB);
    assertThatThrownBy(() -> budget.reserve(60 * MIB)).isInstanceOfSatisfying(StatusException.class, e -> {
      assertThat(e.status()).isEqualTo(Status.BUSY);
      assertThat(e.getMessage()).isEqualTo("the resize workers hold 60 of their 100 MiB for decoded images; try again");
    });
    assertThat(budget.held()).isEqualTo(60 * MIB);
    first.close();
    first.close(); // once only
    assertThat(budget.held()).isZero();
    budget.reserve(60 * MIB).close();
  }

  @Test
  void aReservationThatCanNeverFitIsTooManyPixels() {
    DecodeBudget budget = new DecodeBudget(100 * MIB);
    assertThatThrownBy(() -> budget.reserve(101 * MIB)).isInstanceOfSatisfying(StatusException.class, e -> {
      assertThat(e.status()).isEqualTo(Status.TOO_MANY_PIXELS);
      assertThat(e.getMessage()).contains("about 101 MiB, more than this backend's 100 MiB for decoded images");
    });
    assertThat(budget.held()).isZero();
  }

  @Test
  void theResizerHoldsItsReservationOnlyWhileItWorks() {
    byte[] png = TestImages.synthetic(400, 300, "png");
    long need = DecodeBudget.need(400 * 300, 200 * 150);
    DecodeBudget budget = new DecodeBudget(need);
    ImageResizer resizer = new ImageResizer(ResizeWorkerOptions.fromJson(null, "config"), budget);
    assertThat(resizer.resize(png, 200, 150, ResizeMode.FIT).width()).isEqualTo(200);
    assertThat(budget.held()).isZero();
    // Refused before decoding when the budget is held elsewhere, and nothing kept.
    DecodeBudget.Reservation other = budget.reserve(1);
    assertThatThrownBy(() -> resizer.resize(png, 200, 150, ResizeMode.FIT))
      .isInstanceOfSatisfying(StatusException.class, e -> assertThat(e.status()).isEqualTo(Status.BUSY));
    other.close();
    assertThat(budget.held()).isZero();
  }
}
